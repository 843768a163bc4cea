// N-API exports only; src/native.ts documents every function. Each is a thin wrapper around one
// or two syscalls, save the device program (device_filter.cc) and the network interface moves
// (netdev.cc), which runc too makes from the runtime's side. No work inside the container
// happens in this process: posix_spawn() starts tdrun-init,
// a static single-threaded helper, because a child forked from multi-threaded Node may only make
// async-signal-safe calls.
#include <napi.h>
#include <uv.h>

#include "node/device_filter.h"
#include "node/json_member.h"
#include "node/netdev.h"
#include "fd.h"
#include "scm_rights.h"
#include "seccomp_cache.h"

#include <atomic>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <string>
#include <linux/mount.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <vector>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

namespace {

// Throws like Node's fs does: message "<syscall>: <strerror>", .code "EPERM", .errno positive.
Napi::Error errnoError(Napi::Env env, int err, const char* syscall) {
  std::string msg = std::string(syscall) + ": " + strerror(err);
  Napi::Error error = Napi::Error::New(env, msg);
  error.Set("errno", Napi::Number::New(env, err));
  const char* name = strerrorname_np(err);
  error.Set("code", Napi::String::New(env, name ? name : "UNKNOWN"));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

void throwErrno(Napi::Env env, int err, const char* syscall) {
  errnoError(env, err, syscall).ThrowAsJavaScriptException();
}

std::vector<std::string> stringArray(const Napi::Value& value) {
  std::vector<std::string> out;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) out.push_back(array.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// An fd from which the helper can be executed but through which nobody can ever write the host's
// file (CVE-2019-5736): the container sees the helper's /proc/<pid>/exe while it works in the
// container's pid namespace, and an O_PATH handle on it, reopened for writing once the helper has
// exited, would otherwise overwrite the binary that the next create runs as host root.
// First choice: a private, detached, read-only bind mount of the file (open_tree + mount_setattr):
// no copy, and the mount disappears with the last process that runs from it; a reopen for writing
// gets EROFS, and a detached mount cannot be remounted from inside a container. Without
// CAP_SYS_ADMIN (or before Linux 5.12) a sealed memfd copy does the same job at the price of a copy.
int openSealedExecutable(const std::string& path, int& err, const char*& syscallName) {
  Fd tree(static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (tree.valid()) {
    struct mount_attr attr = {};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) == 0) return tree.release();
    tree.reset();
  }
  Fd source(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!source.valid()) {
    err = errno;
    syscallName = "open";
    return -1;
  }
  // MFD_EXEC: kernels with vm.memfd_noexec would otherwise make the copy non-executable
  Fd copy(memfd_create("tdrun-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
  if (!copy.valid() && errno == EINVAL) copy = Fd(memfd_create("tdrun-init", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  struct stat st;
  bool copied = copy.valid() && fstat(source.get(), &st) == 0;
  for (off_t done = 0; copied && done < st.st_size;) {
    ssize_t n = sendfile(copy.get(), source.get(), nullptr, st.st_size - done);
    if (n <= 0) copied = false;
    else done += n;
  }
  if (copied) copied = fcntl(copy.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == 0;
  if (copied) return copy.release();
  err = errno;
  syscallName = "copy into a sealed memfd";
  return -1;
}

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::vector<std::string> argv = stringArray(info[1]);
  std::vector<std::string> envp = stringArray(info[2]);
  Napi::Array fdArray = info[3].As<Napi::Array>();
  const int count = static_cast<int>(fdArray.Length());

  int sealedErr = 0;
  const char* sealedSyscall = "";
  Fd executable(openSealedExecutable(path, sealedErr, sealedSyscall));
  if (!executable.valid()) {
    throwErrno(env, sealedErr, (std::string(sealedSyscall) + " " + path).c_str());
    return env.Undefined();
  }

  // Move every source fd above the target range first, so a dup2 onto target i can never
  // clobber a source still to be placed. The copies are O_CLOEXEC: gone in the child at exec.
  // The executable goes right after the targets: posix_spawn execs it as /proc/self/fd/<count>,
  // and the helper marks it close-on-exec with every other fd above its own before its execve.
  std::vector<int> staged(count + 1, -1);
  auto closeStaged = [&] {
    for (int fd : staged)
      if (fd >= 0) close(fd);
  };
  for (int i = 0; i <= count; i++) {
    int source = i < count ? fdArray.Get(i).As<Napi::Number>().Int32Value() : executable.get();
    staged[i] = fcntl(source, F_DUPFD_CLOEXEC, count + 1);
    if (staged[i] < 0) {
      int err = errno;
      closeStaged();
      throwErrno(env, err, "dup");
      return env.Undefined();
    }
  }
  executable.reset();

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  for (int i = 0; i <= count; i++) posix_spawn_file_actions_adddup2(&actions, staged[i], i);
  posix_spawn_file_actions_addclosefrom_np(&actions, count + 1);

  // Node ignores SIGPIPE and engines hand us other dispositions: the container gets defaults.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> cargv = cStrings(argv);
  std::vector<char*> cenv = cStrings(envp);
  const std::string viaFd = "/proc/self/fd/" + std::to_string(count);
  pid_t pid = -1;
  int err = posix_spawn(&pid, viaFd.c_str(), &actions, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  closeStaged();
  if (err != 0) {
    throwErrno(env, err, ("spawn " + path).c_str());
    return env.Undefined();
  }
  return Napi::Number::New(env, pid);
}

Napi::Value Socketpair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
    throwErrno(env, errno, "socketpair");
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, fds[0]);
  out.Set(1u, fds[1]);
  return out;
}

Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool wait = info[1].As<Napi::Boolean>().Value();
  int how = wait ? LOCK_EX : LOCK_EX | LOCK_NB;
  int rc;
  do rc = flock(fd, how);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
    throwErrno(env, errno, "flock");
    return env.Undefined();
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value WaitWritable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pollfd p = {info[0].As<Napi::Number>().Int32Value(), POLLOUT, 0};
  int rc;
  do rc = poll(&p, 1, -1);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) throwErrno(env, errno, "poll");
  return env.Undefined();
}

Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) throwErrno(info.Env(), errno, "prctl PR_SET_CHILD_SUBREAPER");
  return info.Env().Undefined();
}

Napi::Object exitStatus(Napi::Env env, int status) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("exitCode", WIFEXITED(status) ? Napi::Number::New(env, WEXITSTATUS(status)) : env.Null());
  out.Set("signal", WIFSIGNALED(status) ? Napi::Number::New(env, WTERMSIG(status)) : env.Null());
  return out;
}

// waitPid without a thread: a pidfd turns readable when its process exits, and libuv polls it
// with the rest of the event loop (a blocking waitpid on the thread pool made libuv start its
// four threads in every create, run and exec). The poll handle keeps the loop alive meanwhile.
struct PidWait {
  uv_poll_t poll;
  pid_t pid;
  int pidfd;
  Napi::Promise::Deferred deferred;
  Napi::AsyncContext context;
};

void settle(PidWait* w, int status, int err) {
  Napi::Env env = w->deferred.Env();
  Napi::HandleScope handles(env);
  {
    // closing the scope runs the microtasks, so the awaiting code goes on now
    Napi::CallbackScope scope(env, w->context);
    if (err) w->deferred.Reject(errnoError(env, err, "waitpid").Value());
    else w->deferred.Resolve(exitStatus(env, status));
  }
}

// The handle belongs to the loop until its close callback: only then may it go.
void closePidWait(PidWait* w) {
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), [](uv_handle_t* h) {
    auto* done = static_cast<PidWait*>(h->data);
    close(done->pidfd);
    delete done;
  });
}

void onPidfdReadable(uv_poll_t* handle, int pollStatus, int) {
  auto* w = static_cast<PidWait*>(handle->data);
  int status = 0, err = 0;
  if (pollStatus < 0) {
    err = -pollStatus;
  } else {
    // readable: the process has exited, so a child of ours is reapable now
    pid_t rc;
    do rc = waitpid(w->pid, &status, WNOHANG);
    while (rc < 0 && errno == EINTR);
    if (rc <= 0) err = rc < 0 ? errno : ECHILD;
  }
  uv_poll_stop(handle);
  settle(w, status, err);
  closePidWait(w);
}

Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Promise promise = deferred.Promise();
  int status = 0;
  pid_t rc;
  do rc = waitpid(pid, &status, WNOHANG);
  while (rc < 0 && errno == EINTR);
  if (rc != 0) {
    if (rc < 0) deferred.Reject(errnoError(env, errno, "waitpid").Value());
    else deferred.Resolve(exitStatus(env, status));
    return promise;
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    deferred.Reject(errnoError(env, errno, "pidfd_open").Value());
    return promise;
  }
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  auto* w = new PidWait{{}, pid, pidfd, deferred, Napi::AsyncContext(env, "tdrun.waitPid")};
  w->poll.data = w;
  if (int uvErr = uv_poll_init(loop, &w->poll, pidfd); uvErr != 0) {
    close(pidfd);
    delete w;
    deferred.Reject(errnoError(env, -uvErr, "uv_poll_init").Value());
  } else if ((uvErr = uv_poll_start(&w->poll, UV_READABLE, onPidfdReadable)) != 0) {
    deferred.Reject(errnoError(env, -uvErr, "uv_poll_start").Value());
    closePidWait(w);
  }
  return promise;
}

Napi::Value TryWaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int status = 0;
  pid_t rc;
  do rc = waitpid(info[0].As<Napi::Number>().Int32Value(), &status, WNOHANG);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    throwErrno(env, errno, "waitpid");
    return env.Undefined();
  }
  if (rc == 0) return env.Null();
  return exitStatus(env, status);
}

Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  if (mkfifo(path.c_str(), mode) < 0) throwErrno(info.Env(), errno, ("mkfifo " + path).c_str());
  return info.Env().Undefined();
}

// cgroup v1's OOM notification: an eventfd registered in cgroup.event_control against
// memory.oom_control. The kernel keeps the registration until the eventfd is closed or the cgroup
// goes (it signals the eventfd then too); the two cgroup files are not needed after the write.
Napi::Value OomEventFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  int efd = eventfd(0, EFD_CLOEXEC);
  if (efd < 0) {
    throwErrno(env, errno, "eventfd");
    return env.Undefined();
  }
  std::string oomPath = dir + "/memory.oom_control";
  int ofd = open(oomPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (ofd < 0) {
    int err = errno;
    close(efd);
    throwErrno(env, err, ("open " + oomPath).c_str());
    return env.Undefined();
  }
  std::string controlPath = dir + "/cgroup.event_control";
  int cfd = open(controlPath.c_str(), O_WRONLY | O_CLOEXEC);
  std::string line = std::to_string(efd) + " " + std::to_string(ofd);
  int err = 0;
  if (cfd < 0 || write(cfd, line.data(), line.size()) < 0) err = errno;
  if (cfd >= 0) close(cfd);
  close(ofd);
  if (err != 0) {
    close(efd);
    throwErrno(env, err, ("write " + controlPath).c_str());
    return env.Undefined();
  }
  return Napi::Number::New(env, efd);
}

Napi::Value MoveNetDevice(const Napi::CallbackInfo& info) {
  auto arg = [&](int i) { return info[i].As<Napi::String>().Utf8Value(); };
  netdev::Result r = netdev::move(arg(0), arg(1), arg(2), arg(3));
  if (!r.ok()) throwErrno(info.Env(), r.err, r.what.c_str());
  return info.Env().Undefined();
}

// A namespace file kept open by a bind mount on `target` (created empty, 0600), as `ip netns add` does.
Napi::Value PinNamespace(const Napi::CallbackInfo& info) {
  std::string source = info[0].As<Napi::String>().Utf8Value();
  std::string target = info[1].As<Napi::String>().Utf8Value();
  int fd = open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    throwErrno(info.Env(), errno, ("create " + target).c_str());
    return info.Env().Undefined();
  }
  close(fd);
  if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0) {
    int err = errno;
    unlink(target.c_str());
    throwErrno(info.Env(), err, ("bind " + source + " on " + target).c_str());
  }
  return info.Env().Undefined();
}

Napi::Value UnpinNamespace(const Napi::CallbackInfo& info) {
  std::string target = info[0].As<Napi::String>().Utf8Value();
  if (umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
    throwErrno(info.Env(), errno, ("unmount " + target).c_str());
    return info.Env().Undefined();
  }
  if (unlink(target.c_str()) < 0 && errno != ENOENT) throwErrno(info.Env(), errno, ("remove " + target).c_str());
  return info.Env().Undefined();
}

Napi::Value RecvFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  char byte;
  int fd;
  ssize_t n = recvWithFd(sock, &byte, 1, &fd);
  if (n < 0) {
    throwErrno(env, errno, "recvmsg");
    return env.Undefined();
  }
  if (fd < 0) {
    throwErrno(env, EBADMSG, "recvmsg (no fd received)");
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

Napi::Value SetWindowSize(const Napi::CallbackInfo& info) {
  winsize size{};
  size.ws_row = static_cast<unsigned short>(info[1].As<Napi::Number>().Uint32Value());
  size.ws_col = static_cast<unsigned short>(info[2].As<Napi::Number>().Uint32Value());
  if (ioctl(info[0].As<Napi::Number>().Int32Value(), TIOCSWINSZ, &size) < 0) throwErrno(info.Env(), errno, "ioctl TIOCSWINSZ");
  return info.Env().Undefined();
}

// cfmakeraw, as runc does for `run -t`: unlike libuv's raw mode it also turns off output
// processing, so the container's "\r\n" is not turned into "\r\r\n" a second time.
Napi::Value MakeRaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  termios saved;
  if (tcgetattr(fd, &saved) < 0) {
    throwErrno(env, errno, "tcgetattr");
    return env.Undefined();
  }
  termios raw = saved;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) < 0) {
    throwErrno(env, errno, "tcsetattr");
    return env.Undefined();
  }
  return Napi::Buffer<char>::Copy(env, reinterpret_cast<const char*>(&saved), sizeof saved);
}

Napi::Value RestoreTerminal(const Napi::CallbackInfo& info) {
  Napi::Buffer<char> saved = info[1].As<Napi::Buffer<char>>();
  if (saved.Length() != sizeof(termios)) return info.Env().Undefined();
  if (tcsetattr(info[0].As<Napi::Number>().Int32Value(), TCSANOW, reinterpret_cast<const termios*>(saved.Data())) < 0)
    throwErrno(info.Env(), errno, "tcsetattr");
  return info.Env().Undefined();
}

// V8's own flag setter, found at run time: N-API has no door to V8 flags, node's `v8` module
// costs 6-7 ms to load, and a missing symbol (another engine, another ABI) only loses a speed-up.
Napi::Value SetV8Flags(const Napi::CallbackInfo& info) {
  using SetFlags = void (*)(const char*);
  auto set = reinterpret_cast<SetFlags>(dlsym(RTLD_DEFAULT, "_ZN2v82V818SetFlagsFromStringEPKc"));
  if (set == nullptr) return Napi::Boolean::New(info.Env(), false);
  set(info[0].As<Napi::String>().Utf8Value().c_str());
  return Napi::Boolean::New(info.Env(), true);
}

// Signal forwarding for a supervising `run`/`exec`: a handler of our own on each forwarded signal
// passes it on through a pidfd, from whichever thread the kernel picked, without a trip through
// the event loop (Node's process.on installed one libuv signal handle per signal: 0.22 ms for 15).
// The pidfd names the process itself, so a signal that races its reaping gets ESRCH, never a
// process that inherited the number.
std::atomic<int> forwardPidfd{-1};

void forwardSignal(int sig) {
  int saved = errno;
  int fd = forwardPidfd.load();
  if (fd >= 0) syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0);
  errno = saved;
}

// What runc forwards too: everything that can be caught, except SIGCHLD (our reaping), SIGPROF
// (V8's profiler), SIGWINCH (a pty's size change, handled in JavaScript when there is a pty) and
// the synchronous fault signals.
const int kForwardedSignals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,   SIGUSR2, SIGALRM, SIGCONT,
                                 SIGTSTP, SIGTTIN, SIGTTOU, SIGURG,  SIGVTALRM, SIGPWR,  SIGSYS};

Napi::Value ForwardSignals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(syscall(SYS_pidfd_open, info[0].As<Napi::Number>().Int32Value(), 0));
  if (fd < 0) {
    // ESRCH: reaped already, nothing left to pass signals to
    if (errno != ESRCH) throwErrno(env, errno, "pidfd_open");
    return env.Undefined();
  }
  int old = forwardPidfd.exchange(fd);
  if (old >= 0) close(old);
  struct sigaction sa = {};
  sa.sa_handler = forwardSignal;
  sigfillset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : kForwardedSignals) {
    if (sigaction(sig, &sa, nullptr) != 0) {
      throwErrno(env, errno, "sigaction");
      return env.Undefined();
    }
  }
  return env.Undefined();
}

// The handlers stay until tdrun exits (it is about to), as runc's do: a signal that comes
// then is dropped instead of killing tdrun halfway through deleting the container.
Napi::Value StopForwarding(const Napi::CallbackInfo& info) {
  forwardPidfd.store(-1);
  return info.Env().Undefined();
}

// Replaces this process with `path` (the attached run/exec supervisor), keeping `keepFds` open.
// Every signal is blocked across the execve: one arriving before the new program's handlers are
// in place stays pending instead of killing it with the default action.
Napi::Value ExecInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::vector<std::string> argv = stringArray(info[1]);
  Napi::Array keep = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < keep.Length(); i++) {
    int fd = keep.Get(i).As<Napi::Number>().Int32Value();
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
      throwErrno(env, errno, "fcntl");
      return env.Undefined();
    }
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  std::vector<char*> cargv = cStrings(argv);
  execv(path.c_str(), cargv.data());
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  throwErrno(env, err, ("exec " + path).c_str());
  return env.Undefined();
}

// `tdrun info`: whether the kernel has a system call tdrun relies on. Each is called with
// arguments it rejects before doing anything, so nothing happens; the errno tells: ENOSYS (no such
// call), EPERM (a seccomp filter of ours blocks it), anything else (it is there).
Napi::Value ProbeSyscall(const Napi::CallbackInfo& info) {
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  long r;
  if (name == "pidfd_open") {
    r = syscall(SYS_pidfd_open, getpid(), 0);
    if (r >= 0) {
      close(static_cast<int>(r));
      return Napi::Number::New(info.Env(), 0);
    }
  } else if (name == "clone3") {
    r = syscall(SYS_clone3, nullptr, 0);  // a size below CLONE_ARGS_SIZE_VER0: EINVAL
  } else if (name == "openat2") {
    r = syscall(SYS_openat2, AT_FDCWD, "", nullptr, 0);  // a size below OPEN_HOW_SIZE_VER0: EINVAL
  } else if (name == "mount_setattr") {
    r = syscall(SYS_mount_setattr, -1, "", 0, nullptr, 0);  // a size below MOUNT_ATTR_SIZE_VER0: EINVAL
  } else if (name == "open_tree") {
    r = syscall(SYS_open_tree, -1, "", 0);  // an empty path without AT_EMPTY_PATH: ENOENT
  } else {
    Napi::TypeError::New(info.Env(), "unknown system call " + name).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), r >= 0 ? 0 : errno);
}

// _exit(2): see stdio.ts exitProcess for when tdrun may skip Node's own exit.
Napi::Value ExitNow(const Napi::CallbackInfo& info) {
  _exit(info[0].As<Napi::Number>().Int32Value());
}

Napi::Value LoadDeviceFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  Napi::Object state = info[1].As<Napi::Object>();
  device_filter::Policy policy{state.Get("defaultAllow").As<Napi::Boolean>().Value(), {}};
  Napi::Array exceptions = state.Get("exceptions").As<Napi::Array>();
  for (uint32_t i = 0; i < exceptions.Length(); i++) {
    Napi::Object e = exceptions.Get(i).As<Napi::Object>();
    std::string access = e.Get("access").As<Napi::String>().Utf8Value();
    uint32_t bits = 0;
    if (access.find('m') != std::string::npos) bits |= BPF_DEVCG_ACC_MKNOD;
    if (access.find('r') != std::string::npos) bits |= BPF_DEVCG_ACC_READ;
    if (access.find('w') != std::string::npos) bits |= BPF_DEVCG_ACC_WRITE;
    policy.exceptions.push_back({e.Get("type").As<Napi::String>().Utf8Value()[0],
                                 e.Get("major").As<Napi::Number>().Int64Value(),
                                 e.Get("minor").As<Napi::Number>().Int64Value(), bits});
  }
  std::string failed;
  uint32_t id = 0;
  int err = device_filter::attach(dir, device_filter::buildProgram(policy), id, failed);
  if (err != 0) {
    throwErrno(env, err, failed.c_str());
    return env.Undefined();
  }
  return Napi::Number::New(env, id);
}

Napi::Value DetachDeviceFilter(const Napi::CallbackInfo& info) {
  std::string failed;
  int err = device_filter::detach(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Uint32Value(), failed);
  if (err != 0) throwErrno(info.Env(), err, failed.c_str());
  return info.Env().Undefined();
}

// The compiled seccomp program for a profile's text, looked up (seccomp_cache.h has the rules):
// { key, program: fd of a usable file or -1, directory: on a miss, fd of the directory to compile
// into or -1 }; null when the key cannot be made (a file it is made by is missing).
Napi::Value SeccompCache(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  std::vector<std::string> madeBy = stringArray(info[1]);
  std::string text = info[2].As<Napi::String>().Utf8Value();
  std::string key;
  if (!seccomp_cache::key(madeBy, text, key)) return env.Null();
  Fd directory(seccomp_cache::openDirectory(dir));
  Fd program;
  if (directory.valid()) {
    std::string data;
    seccomp_cache::Header header;
    size_t programAt;
    program = Fd(seccomp_cache::openProgram(directory.get(), key, data));
    // a file that names another profile, or was cut short, is a miss: compiled over
    if (program.valid() && !(seccomp_cache::parse(data, header, programAt) && header.key == key)) program.reset();
    if (program.valid()) directory.reset();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("key", Napi::String::New(env, key));
  out.Set("program", Napi::Number::New(env, program.release()));
  out.Set("directory", Napi::Number::New(env, directory.release()));
  return out;
}

Napi::Value JsonMemberSpans(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::u16string text = info[0].As<Napi::String>().Utf16Value();
  Napi::Array pathArray = info[1].As<Napi::Array>();
  std::vector<std::u16string> keys;
  for (uint32_t i = 0; i < pathArray.Length(); i++) keys.push_back(pathArray.Get(i).As<Napi::String>().Utf16Value());
  auto spans = json_member::find(text, std::vector<std::u16string_view>(keys.begin(), keys.end()));
  if (!spans) return env.Null();
  Napi::Array out = Napi::Array::New(env, spans->size());
  for (uint32_t i = 0; i < spans->size(); i++) {
    auto& span = (*spans)[i];
    if (!span) {
      out.Set(i, env.Null());
      continue;
    }
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::Number::New(env, static_cast<double>(span->begin)));
    pair.Set(1u, Napi::Number::New(env, static_cast<double>(span->end)));
    out.Set(i, pair);
  }
  return out;
}

// One write of `data` on a stream socket with `fds` attached (SCM_RIGHTS) to its first byte.
Napi::Value SendWithFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> data = info[1].As<Napi::Buffer<char>>();
  Napi::Array fdArray = info[2].As<Napi::Array>();
  std::vector<int> fds;
  for (uint32_t i = 0; i < fdArray.Length(); i++) fds.push_back(fdArray.Get(i).As<Napi::Number>().Int32Value());
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  size_t done = 0;
  while (done < data.Length()) {
    iovec iov{data.Data() + done, data.Length() - done};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (done == 0 && !fds.empty()) {
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p = {sock, POLLOUT, 0};
      poll(&p, 1, -1);
      continue;
    }
    if (n < 0) {
      throwErrno(env, errno, "sendmsg");
      return env.Undefined();
    }
    done += static_cast<size_t>(n);
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawn", Napi::Function::New(env, Spawn));
  exports.Set("socketpair", Napi::Function::New(env, Socketpair));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("waitWritable", Napi::Function::New(env, WaitWritable));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper));
  exports.Set("waitPid", Napi::Function::New(env, WaitPid));
  exports.Set("tryWaitPid", Napi::Function::New(env, TryWaitPid));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd));
  exports.Set("sendWithFds", Napi::Function::New(env, SendWithFds));
  exports.Set("seccompCache", Napi::Function::New(env, SeccompCache));
  exports.Set("jsonMemberSpans", Napi::Function::New(env, JsonMemberSpans));
  exports.Set("oomEventFd", Napi::Function::New(env, OomEventFd));
  exports.Set("moveNetDevice", Napi::Function::New(env, MoveNetDevice));
  exports.Set("pinNamespace", Napi::Function::New(env, PinNamespace));
  exports.Set("unpinNamespace", Napi::Function::New(env, UnpinNamespace));
  exports.Set("setWindowSize", Napi::Function::New(env, SetWindowSize));
  exports.Set("makeRaw", Napi::Function::New(env, MakeRaw));
  exports.Set("restoreTerminal", Napi::Function::New(env, RestoreTerminal));
  exports.Set("setV8Flags", Napi::Function::New(env, SetV8Flags));
  exports.Set("exitNow", Napi::Function::New(env, ExitNow));
  exports.Set("execInPlace", Napi::Function::New(env, ExecInPlace));
  exports.Set("probeSyscall", Napi::Function::New(env, ProbeSyscall));
  exports.Set("forwardSignals", Napi::Function::New(env, ForwardSignals));
  exports.Set("stopForwarding", Napi::Function::New(env, StopForwarding));
  exports.Set("loadDeviceFilter", Napi::Function::New(env, LoadDeviceFilter));
  exports.Set("detachDeviceFilter", Napi::Function::New(env, DetachDeviceFilter));
  return exports;
}

}  // namespace

NODE_API_MODULE(tdrun, Init)
