#include "hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

namespace hooks {
namespace {

// The state travels in a memfd rather than a pipe: nothing blocks on a hook that never reads
// its stdin, and every hook reads it from offset 0.
Status stateFile(const std::string& state, int& fd) {
  fd = memfd_create("tdrun-hook-state", MFD_CLOEXEC);
  if (fd < 0) return fail(errno, "memfd_create for the hook state");
  size_t off = 0;
  while (off < state.size()) {
    ssize_t n = write(fd, state.data() + off, state.size() - off);
    if (n < 0) {
      int err = errno;
      close(fd);
      return fail(err, "write the hook state");
    }
    off += n;
  }
  return ok();
}

// In the child, before execve: async-signal-safe calls only (no allocation after fork).
[[noreturn]] void child(const plan::Hook& h, char* const* argv, char* const* envp, int stdinFd, int errPipe) {
  if (dup2(stdinFd, 0) < 0) {
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

Status waitHook(const char* kind, const plan::Hook& h, pid_t pid) {
  if (h.timeout > 0) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
      int err = errno;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return fail(err, "%s hook %s: pidfd_open", kind, h.path.c_str());
    }
    pollfd pfd = {pidfd, POLLIN, 0};
    int r;
    do r = poll(&pfd, 1, h.timeout * 1000);
    while (r < 0 && errno == EINTR);
    close(pidfd);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return fail(0, "%s hook %s: timed out after %ds", kind, h.path.c_str(), h.timeout);
    }
  }
  int status;
  pid_t r;
  do r = waitpid(pid, &status, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) return fail(errno, "%s hook %s: waitpid", kind, h.path.c_str());
  if (WIFSIGNALED(status)) return fail(0, "%s hook %s: killed by signal %d", kind, h.path.c_str(), WTERMSIG(status));
  if (WEXITSTATUS(status) != 0) return fail(0, "%s hook %s: exit status %d", kind, h.path.c_str(), WEXITSTATUS(status));
  return ok();
}

Status runOne(const char* kind, const plan::Hook& h, int stateFd) {
  std::vector<char*> argv, envp;
  if (h.args.empty()) argv.push_back(const_cast<char*>(h.path.c_str()));
  for (auto& a : h.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : h.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  if (lseek(stateFd, 0, SEEK_SET) < 0) return fail(errno, "rewind the hook state");
  // The child reports a failed execve through this pipe; EOF means the hook is running.
  int errPipe[2];
  if (pipe2(errPipe, O_CLOEXEC) != 0) return fail(errno, "pipe for %s hook %s", kind, h.path.c_str());
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(errPipe[0]);
    close(errPipe[1]);
    return fail(err, "fork %s hook %s", kind, h.path.c_str());
  }
  if (pid == 0) child(h, argv.data(), envp.data(), stateFd, errPipe[1]);
  close(errPipe[1]);
  int execErr = 0;
  ssize_t n;
  do n = read(errPipe[0], &execErr, sizeof execErr);
  while (n < 0 && errno == EINTR);
  close(errPipe[0]);
  if (n == sizeof execErr) {
    waitpid(pid, nullptr, 0);
    return fail(execErr, "%s hook %s", kind, h.path.c_str());
  }
  return waitHook(kind, h, pid);
}

}  // namespace

Status run(const char* kind, const std::vector<plan::Hook>& hooks, const std::string& state) {
  if (hooks.empty()) return ok();
  int fd;
  TRY(stateFile(state, fd));
  Status s;
  for (auto& h : hooks)
    if (!(s = runOne(kind, h, fd)).ok()) break;
  close(fd);
  return s;
}

}  // namespace hooks
