// tdrun-supervise: what an attached `run` or `exec` becomes once the container's process runs.
// tdrun (Node, ~47 MiB resident) execve()s this small static program in place, so the caller (a
// shell, a CI job) keeps waiting on the same pid, while supervising costs a few hundred KiB:
// it forwards signals to the process, relays the pty when tdrun held one, waits for the process,
// puts the terminal back and exits with runc's status for it (its code, 128+N for signal N).
// A `run` that must delete its container passes `--then tdrun ... delete --force ID`: that runs
// as a child first (so deleting has one implementation, tdrun's), and its failure is the result.
//
//   tdrun-supervise PID [--pty FD] [--restore-tty HEX] [--then PROGRAM ARG...]
//
// tdrun blocks every signal before the execve; they stay pending until the handlers are in place.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int childPidfd = -1;
int wakeWrite = -1;  // self-pipe: SIGWINCH and SIGCHLD wake the poll loop

void onSignal(int sig) {
  const int saved = errno;
  if (sig == SIGWINCH || sig == SIGCHLD) {
    const char byte = static_cast<char>(sig);
    (void)!write(wakeWrite, &byte, 1);
  } else {
    // through the pidfd: a pid reaped and reused meanwhile can never get it
    syscall(SYS_pidfd_send_signal, childPidfd, sig, nullptr, 0);
  }
  errno = saved;
}

void die(const char* what) {
  std::string line = std::string("tdrun: supervise: ") + what + ": " + strerror(errno) + "\n";
  (void)!write(2, line.data(), line.size());
  _exit(255);
}

bool writeAll(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {fd, POLLOUT, 0};
      poll(&p, 1, -1);
      continue;
    }
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

void copyWindowSize(int pty) {
  struct winsize ws;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0 || ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(pty, TIOCSWINSZ, &ws);
}

// One read from `from` written to `to`; false at the end of `from`.
bool pump(int from, int to) {
  char buf[16384];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  // a master whose every slave is closed reads EIO: the end of the container's output
  if (n <= 0) return false;
  return writeAll(to, buf, static_cast<size_t>(n));
}

long long nowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

bool decodeHex(const char* hex, std::vector<unsigned char>& out) {
  const size_t len = strlen(hex);
  if (len % 2) return false;
  for (size_t i = 0; i < len; i += 2) {
    char pair[3] = {hex[i], hex[i + 1], 0};
    char* end;
    out.push_back(static_cast<unsigned char>(strtoul(pair, &end, 16)));
    if (*end) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    static const char usage[] = "usage: tdrun-supervise PID [--pty FD] [--restore-tty HEX] [--then PROGRAM ARG...] (started by tdrun)\n";
    (void)!write(2, usage, sizeof usage - 1);
    return 2;
  }
  const pid_t pid = static_cast<pid_t>(atoi(argv[1]));
  int pty = -1;
  std::vector<unsigned char> savedTty;
  std::vector<char*> then;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--pty") == 0 && i + 1 < argc) pty = atoi(argv[++i]);
    else if (strcmp(argv[i], "--restore-tty") == 0 && i + 1 < argc) {
      if (!decodeHex(argv[++i], savedTty) || savedTty.size() != sizeof(struct termios)) {
        errno = EINVAL;
        die("--restore-tty");
      }
    } else if (strcmp(argv[i], "--then") == 0 && i + 1 < argc) {
      then.assign(argv + i + 1, argv + argc);
      break;
    } else {
      errno = EINVAL;
      die(argv[i]);
    }
  }

  childPidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (childPidfd < 0) die("pidfd_open");
  int wake[2];
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe");
  wakeWrite = wake[1];
  struct sigaction sa = {};
  sa.sa_handler = onSignal;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGPROF || (sig >= 32 && sig < SIGRTMIN)) continue;
    sigaction(sig, &sa, nullptr);
  }
  if (pty >= 0) copyWindowSize(pty);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // Node left its stdio non-blocking; the terminal is shared with the caller's shell
  for (int fd : {0, 1, pty}) {
    int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
    if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  }

  bool input = pty >= 0, output = pty >= 0;
  int status = 0;
  long long exitedAt = -1;
  for (;;) {
    if (exitedAt < 0) {
      pid_t got = waitpid(pid, &status, WNOHANG);
      if (got == pid) exitedAt = nowMs();
      else if (got < 0 && errno != EINTR) die("waitpid");
    }
    // the last output may still be on its way after the exit; leftovers holding the pty get 500 ms
    if (exitedAt >= 0 && (!output || nowMs() - exitedAt > 500)) break;
    struct pollfd fds[4] = {{wake[0], POLLIN, 0}, {childPidfd, POLLIN, 0}, {input ? 0 : -1, POLLIN, 0}, {output ? pty : -1, POLLIN, 0}};
    int timeout = exitedAt >= 0 ? 50 : -1;
    if (poll(fds, 4, timeout) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[0].revents) {
      char sigs[64];
      ssize_t n = read(wake[0], sigs, sizeof sigs);
      for (ssize_t i = 0; i < n; i++)
        if (sigs[i] == SIGWINCH && pty >= 0) copyWindowSize(pty);
    }
    if (fds[2].revents && !pump(0, pty)) input = false;
    if (fds[3].revents && !pump(pty, 1)) output = false;
  }
  if (!savedTty.empty()) {
    struct termios t;
    memcpy(&t, savedTty.data(), sizeof t);
    tcsetattr(0, TCSANOW, &t);
  }
  const int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  if (then.empty()) return code;
  then.push_back(nullptr);
  // the container's exit is ours to report: signals meant for it no longer are
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, nullptr);
  pid_t teardown = fork();
  if (teardown < 0) die("fork tdrun to delete the container");
  if (teardown == 0) {
    execv(then[0], then.data());
    die("exec tdrun to delete the container");
  }
  int deleted = 0;
  while (waitpid(teardown, &deleted, 0) < 0)
    if (errno != EINTR) die("waitpid");
  if (!WIFEXITED(deleted) || WEXITSTATUS(deleted) != 0) return WIFEXITED(deleted) ? WEXITSTATUS(deleted) : 128 + WTERMSIG(deleted);
  return code;
}
