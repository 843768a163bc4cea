// tdrun-init <syncfd>: the helper tdrun spawns for `create`/`run` and `exec`. It reads the plan
// from the sync socket, enters the namespaces, forks the container's process and, in that
// process, does everything up to execve of process.args. See protocol.h for the message flow.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <linux/keyctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "cgroups.h"
#include "console.h"
#include "hooks.h"
#include "namespaces.h"
#include "plan.h"
#include "process.h"
#include "rootfs.h"
#include "sync.h"

namespace {

Status sysctls(const plan::Plan& p) {
  for (auto& [key, value] : p.sysctl) {
    std::string rel = "sys/" + key;
    for (size_t i = 4; i < rel.size(); ++i)
      if (rel[i] == '.') rel[i] = '/';
    TRY(process::writeProc(rel, value));
  }
  return ok();
}

Status setNames(const plan::Plan& p) {
  if (p.hasHostname && sethostname(p.hostname.data(), p.hostname.size()) != 0) return fail(errno, "sethostname %s", p.hostname.c_str());
  if (p.hasDomainname && setdomainname(p.domainname.data(), p.domainname.size()) != 0)
    return fail(errno, "setdomainname %s", p.domainname.c_str());
  return ok();
}

// Opened by stage 1, with the host's credentials and view, before any namespace is entered: the
// fifo need not be reachable or accessible from the container's user and mount namespaces. The
// init inherits the fd. O_RDWR: the open does not wait for a writer; the init's read() is the barrier.
Status openExecFifo(const plan::Plan& p, int& fd) {
  fd = open(p.execFifo.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail(errno, "open exec fifo %s", p.execFifo.c_str());
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(errno, "stat exec fifo %s", p.execFifo.c_str());
  if (!S_ISFIFO(st.st_mode)) return fail(0, "exec fifo %s is not a fifo", p.execFifo.c_str());
  return ok();
}

// runc's behaviour: a fresh session keyring named after the container. Kernels without keyrings
// (ENOSYS) have nothing to share, so there is nothing to protect.
Status joinSessionKeyring(const std::string& id) {
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, id.c_str()) < 0 && errno != ENOSYS)
    return fail(errno, "join a new session keyring");
  return ok();
}

// A created container's init waits for `start` as PID 1 of its pid namespace, where the kernel
// drops every signal from outside that has no handler, SIGKILL aside: `kill ID` (SIGTERM) would
// leave it created. runc's init, a Go program, dies of such signals and the container is stopped;
// this one exits with 128+N. Signals whose default is to be ignored or to stop stay as they are,
// and execve() resets these handlers to the defaults.
void exitOnSignal(int sig) { _exit(128 + sig); }

void exitOnTerminatingSignals() {
  struct sigaction handler = {};
  handler.sa_handler = exitOnSignal;
  for (int sig = 1; sig < NSIG; ++sig) {
    switch (sig) {
      case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
      case SIGTSTP: case SIGTTIN: case SIGTTOU: case SIGPIPE:
        continue;
      default:
        sigaction(sig, &handler, nullptr);  // glibc's reserved 32 and 33 fail: nobody sends those
    }
  }
}

// The container's init (create): in its namespaces, PID 1 when it has a pid namespace.
Status initContainer(const plan::Plan& p, int syncFd, int consoleSock, int fifo) {
  if (setsid() < 0) return fail(errno, "setsid");
  TRY(rootfs::prepare(p));
  std::string state;
  if (p.syncHooks) {
    TRY(syncmsg::send(syncFd, proto::Msg::RunRuntimeHooks, 0));
    TRY(syncmsg::expect(syncFd, proto::Msg::RuntimeHooksDone, &state));
  }
  TRY(hooks::run("createContainer", p.createContainerHooks, state));
  TRY(rootfs::enter(p));
  // Before rootfs::finish: /proc/sys is usually among the readonly paths.
  TRY(sysctls(p));
  TRY(rootfs::finish(p));
  TRY(setNames(p));
  if (p.newSessionKeyring) TRY(joinSessionKeyring(p.id));
  if (p.process.terminal) TRY(console::setup(p, consoleSock, true));
  std::string resolved;
  TRY(process::apply(p.process, resolved));
  TRY(process::sealFds(p.preserveFds));
  TRY(syncmsg::send(syncFd, proto::Msg::Ready, 0));

  if (fifo >= 0) {
    exitOnTerminatingSignals();
    char byte;
    ssize_t n;
    do n = read(fifo, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) return fail(n < 0 ? errno : 0, "read exec fifo %s", p.execFifo.c_str());
    close(fifo);
  }
  TRY(hooks::run("startContainer", p.startContainerHooks, state));
  return process::exec(resolved, p.process);
}

// The exec'd process: already in every namespace of the container (setns reset root and cwd to
// the container's root along with the mount namespace).
Status execProcess(const plan::Plan& p, int consoleSock) {
  if (p.process.terminal) {
    if (setsid() < 0) return fail(errno, "setsid");
    TRY(console::setup(p, consoleSock, false));
  }
  std::string resolved;
  TRY(process::apply(p.process, resolved));
  TRY(process::sealFds(p.preserveFds));
  return process::exec(resolved, p.process);
}

Status run(int syncFd) {
  syncmsg::setWarningChannel(syncFd);
  plan::Plan p;
  {
    std::string json, error;
    TRY(syncmsg::expect(syncFd, proto::Msg::Plan, &json));
    if (!plan::parse(json, p, error)) return fail(0, "%s", error.c_str());
  }
  // The spawn contract: preserved fds are 3..3+P-1 and the sync socket right after them.
  if (3 + p.preserveFds != syncFd)
    return fail(0, "the sync socket is fd %d, but preserveFds %d puts it at %d", syncFd, p.preserveFds, 3 + p.preserveFds);
  // Until execve replaces this image (which makes the process dumpable again), nobody in the
  // container may open /proc/<pid>/exe: that is the host's tdrun-init (CVE-2019-5736). With a
  // user namespace the container's root cannot write that root-owned file anyway, and a
  // non-dumpable process's /proc files would belong to the host's root, out of its own reach.
  if (!p.hasNamespace(CLONE_NEWUSER) && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return fail(errno, "prctl PR_SET_DUMPABLE 0");
  int unsharedEarly = 0;
  if (!p.execMode) {
    // create sends the plan before it makes the cgroups (protocol.h)
    TRY(ns::unshareEarly(p, unsharedEarly));
    TRY(syncmsg::expect(syncFd, proto::Msg::CgroupsReady));
  }
  TRY(cgroups::enter(p));

  int consoleSock = -1, fifo = -1;
  if (p.process.terminal) TRY(console::connect(p, consoleSock));
  if (!p.execMode && !p.execFifo.empty()) TRY(openExecFifo(p, fifo));
  TRY(ns::enter(p, syncFd, unsharedEarly));

  // The child waits for EOF on this pipe, i.e. until ChildPid is on the wire: the parent must
  // learn the pid before any message from the child itself.
  int barrier[2];
  if (pipe2(barrier, O_CLOEXEC) != 0) return fail(errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) return fail(errno, "fork the container process");
  if (pid > 0) {
    close(barrier[0]);
    Status s = syncmsg::send(syncFd, proto::Msg::ChildPid, pid);
    if (!s.ok()) {
      // Nobody would ever learn this pid: do not leave it behind.
      kill(pid, SIGKILL);
      syncmsg::report(-1, s);
      _exit(1);
    }
    _exit(0);
  }
  close(barrier[1]);
  char c;
  while (read(barrier[0], &c, 1) < 0 && errno == EINTR) {
  }
  close(barrier[0]);
  return p.execMode ? execProcess(p, consoleSock) : initContainer(p, syncFd, consoleSock, fifo);
}

}  // namespace

int main(int argc, char** argv) {
  char* end = nullptr;
  long fd = argc == 2 ? strtol(argv[1], &end, 10) : -1;
  if (argc != 2 || !*argv[1] || *end || fd < 3) {
    static const char usage[] = "usage: tdrun-init <syncfd> (started by tdrun, not by hand)\n";
    (void)!write(2, usage, sizeof usage - 1);
    return 2;
  }
  int syncFd = static_cast<int>(fd);
  // tdrun execs this helper as /proc/self/fd/N (addon/node/module.cc), which would name the
  // process "N"; start's wait for the execve and ps(1) users know it by its own name.
  prctl(PR_SET_NAME, "tdrun-init", 0, 0, 0);
  // Engines start runtimes with SIGPIPE ignored and signals blocked: start from defaults, but
  // ignore SIGPIPE while setting up so a vanished reader is an EPIPE with a message, not a
  // silent death. process::exec resets everything again before execve.
  process::resetSignals();
  signal(SIGPIPE, SIG_IGN);
  if (fcntl(syncFd, F_SETFD, FD_CLOEXEC) != 0) {
    syncmsg::report(-1, fail(errno, "sync socket fd %d", syncFd));
    return 1;
  }
  Status s = run(syncFd);
  syncmsg::report(syncFd, s);
  return 1;
}
