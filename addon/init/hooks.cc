#include "hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "fd.h"
#include "process.h"

namespace hooks {

std::string oneLine(const std::string& output) {
  size_t begin = 0, end = output.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(output[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(output[end - 1]))) --end;
  std::string line;
  for (size_t i = begin; i < end;) {
    if (!std::isspace(static_cast<unsigned char>(output[i]))) {
      line += output[i++];
      continue;
    }
    size_t run = i;
    while (i < end && std::isspace(static_cast<unsigned char>(output[i]))) ++i;
    std::string spaces = output.substr(run, i - run);
    line += spaces.find('\n') == std::string::npos ? spaces : " / ";
  }
  return line;
}

namespace {

// The state travels in a memfd rather than a pipe: nothing blocks on a hook that never reads
// its stdin, and every hook reads it from offset 0.
Status stateFile(const std::string& state, Fd& fd) {
  fd = Fd(memfd_create("tdrun-hook-state", MFD_CLOEXEC));
  if (!fd.valid()) return fail(errno, "memfd_create for the hook state");
  size_t off = 0;
  while (off < state.size()) {
    ssize_t n = write(fd.get(), state.data() + off, state.size() - off);
    if (n < 0) return fail(errno, "write the hook state");
    off += n;
  }
  return ok();
}

// In the child, before execve: async-signal-safe calls only (no allocation after fork).
[[noreturn]] void child(const plan::Hook& h, char* const* argv, char* const* envp, int stdinFd, int outFd, int errPipe) {
  if (dup2(stdinFd, 0) < 0 || dup2(outFd, 1) < 0 || dup2(outFd, 2) < 0) {
    int err = errno;
    (void)!write(errPipe, &err, sizeof err);
    _exit(127);
  }
  // The pipe is already close-on-exec; so must be everything else the init holds.
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  process::resetSignals();
  execve(h.path.c_str(), argv, envp);
  int err = errno;
  (void)!write(errPipe, &err, sizeof err);
  _exit(127);
}

int64_t nowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Reads what the hook wrote so far, keeping the first kOutputLimit bytes; false once every writer
// has closed the pipe.
bool readOutput(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, std::min(size_t(n), kOutputLimit - std::min(kOutputLimit, out.size())));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

// Waits for the hook's exit (killing it at its timeout), reading its output meanwhile, then
// gives what it left behind kOutputGraceMs to finish writing.
Status waitHook(const char* kind, const plan::Hook& h, pid_t pid, int outFd) {
  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    int err = errno;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return fail(err, "%s hook %s: pidfd_open", kind, h.path.c_str());
  }
  std::string out;
  bool outOpen = true, timedOut = false;
  const int64_t deadline = h.timeout > 0 ? nowMs() + int64_t(h.timeout) * 1000 : -1;
  for (;;) {
    pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {outOpen ? outFd : -1, POLLIN, 0}};
    int wait = deadline < 0 ? -1 : int(std::max<int64_t>(0, deadline - nowMs()));
    int r = poll(fds, 2, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      timedOut = true;
      kill(pid, SIGKILL);
      break;
    }
    if (r < 0) {
      int err = errno;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return fail(err, "%s hook %s: poll", kind, h.path.c_str());
    }
    if (fds[1].revents) outOpen = readOutput(outFd, out);
    if (fds[0].revents) break;
  }
  pidfd.reset();
  const int64_t graceEnd = nowMs() + kOutputGraceMs;
  while (outOpen) {
    pollfd pfd = {outFd, POLLIN, 0};
    int r = poll(&pfd, 1, int(std::max<int64_t>(0, graceEnd - nowMs())));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    outOpen = readOutput(outFd, out);
  }
  int status;
  pid_t r;
  do r = waitpid(pid, &status, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) return fail(errno, "%s hook %s: waitpid", kind, h.path.c_str());
  char why[64];
  if (timedOut) snprintf(why, sizeof why, "timed out after %ds", h.timeout);
  else if (WIFSIGNALED(status)) snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
  else if (WEXITSTATUS(status) != 0) snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
  else return ok();
  std::string what = std::string(kind) + " hook " + h.path + ": " + why;
  std::string shown = oneLine(out);
  if (!shown.empty()) what += ", output: " + shown;
  return Status{0, what};
}

Status runOne(const char* kind, const plan::Hook& h, int stateFd) {
  std::vector<char*> argv, envp;
  if (h.args.empty()) argv.push_back(const_cast<char*>(h.path.c_str()));
  for (auto& a : h.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : h.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  if (lseek(stateFd, 0, SEEK_SET) < 0) return fail(errno, "rewind the hook state");
  // The child reports a failed execve through errPipe; EOF means the hook is running. Its
  // stdout and stderr both go to outPipe.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return fail(errno, "pipe for %s hook %s", kind, h.path.c_str());
  Fd errRead(fds[0]), errWrite(fds[1]);
  if (pipe2(fds, O_CLOEXEC) != 0) return fail(errno, "pipe for %s hook %s", kind, h.path.c_str());
  Fd outRead(fds[0]), outWrite(fds[1]);
  pid_t pid = fork();
  if (pid < 0) return fail(errno, "fork %s hook %s", kind, h.path.c_str());
  if (pid == 0) child(h, argv.data(), envp.data(), stateFd, outWrite.get(), errWrite.get());
  // only the hook may hold the writing ends, or we would never see their EOF
  errWrite.reset();
  outWrite.reset();
  int execErr = 0;
  ssize_t n;
  do n = read(errRead.get(), &execErr, sizeof execErr);
  while (n < 0 && errno == EINTR);
  if (n == sizeof execErr) {
    waitpid(pid, nullptr, 0);
    return fail(execErr, "%s hook %s", kind, h.path.c_str());
  }
  fcntl(outRead.get(), F_SETFL, O_NONBLOCK);
  return waitHook(kind, h, pid, outRead.get());
}

}  // namespace

Status run(const char* kind, const std::vector<plan::Hook>& hooks, const std::string& state) {
  if (hooks.empty()) return ok();
  Fd fd;
  TRY(stateFile(state, fd));
  for (auto& h : hooks) TRY(runOne(kind, h, fd.get()));
  return ok();
}

}  // namespace hooks
