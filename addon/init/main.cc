// tdrun-init <syncfd>: the helper tdrun spawns for `create`/`run` and `exec`. It reads the plan
// from the sync socket, enters the namespaces, forks the container's process and, in that
// process, does everything up to execve of process.args. See protocol.h for the message flow.
// `tdrun-init features` prints what its libseccomp and the kernel support (src/spec/features.ts).
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
#include <functional>

#include "cgroups.h"
#include "console.h"
#include "home.h"
#include "hooks.h"
#include "namespaces.h"
#include "plan.h"
#include "process.h"
#include "rootfs.h"
#include "fd.h"
#include "seccomp.h"
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

// Without no_new_privs, installing a seccomp filter needs CAP_SYS_ADMIN, so it goes on before the
// process drops its privileges (runc's order); with it, right before execve, so that as few of
// tdrun-init's own syscalls as possible must pass it. Returns the step for one of those points.
std::function<Status()> seccompStep(const plan::Plan& p, seccomp::Filter& filter, bool withNoNewPrivileges) {
  if (!p.hasSeccomp || p.process.noNewPrivileges != withNoNewPrivileges) return ok;
  return [&p, &filter] { return seccomp::load(p.seccomp, filter); };
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

// The container's init (create): in its namespaces, PID 1 when it has a pid namespace. `p` is
// this process's own copy: the defaults it fills in (HOME) go nowhere else.
Status initContainer(plan::Plan& p, int syncFd, int consoleSock, int fifo, seccomp::Filter& filter) {
  if (setsid() < 0) return fail(errno, "setsid");
  TRY(rootfs::prepare(p));
  std::string state;
  if (p.syncHooks) {
    TRY(syncmsg::send(syncFd, proto::Msg::RunRuntimeHooks, 0));
    TRY(syncmsg::expect(syncFd, proto::Msg::RuntimeHooksDone, &state));
  }
  // runc runs them in the rootfs (host path, before pivot_root): hooks may use paths relative to it
  if (!p.createContainerHooks.empty() && chdir(p.rootfs.c_str()) != 0) return fail(errno, "chdir %s", p.rootfs.c_str());
  TRY(hooks::run("createContainer", p.createContainerHooks, state));
  TRY(rootfs::enter(p));
  // Before rootfs::finish: /proc/sys is usually among the readonly paths.
  TRY(sysctls(p));
  TRY(rootfs::finish(p));
  TRY(setNames(p));
  if (p.newSessionKeyring) TRY(joinSessionKeyring(p.id));
  if (p.process.terminal) TRY(console::setup(p, consoleSock, true));
  TRY(home::setDefault(p.process));
  std::string resolved;
  if (p.hasProcess) TRY(process::apply(p.process, resolved, seccompStep(p, filter, false)));
  TRY(process::sealFds(p.preserveFds));
  TRY(syncmsg::send(syncFd, proto::Msg::Ready, 0));

  if (fifo >= 0) {
    syncmsg::closeChannel();
    exitOnTerminatingSignals();
    char byte;
    ssize_t n;
    do n = read(fifo, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) return fail(n < 0 ? errno : 0, "read exec fifo %s", p.execFifo.c_str());
    close(fifo);
  }
  // `start` refuses a container without a process before it writes the fifo
  if (!p.hasProcess) return fail(0, "the container has no process to start");
  TRY(hooks::run("startContainer", p.startContainerHooks, state));
  return process::exec(resolved, p.process, seccompStep(p, filter, true));
}

// The exec'd process: already in every namespace of the container (setns reset root and cwd to
// the container's root along with the mount namespace).
Status execProcess(plan::Plan& p, int consoleSock, seccomp::Filter& filter) {
  if (p.process.terminal) {
    if (setsid() < 0) return fail(errno, "setsid");
    TRY(console::setup(p, consoleSock, false));
  }
  TRY(home::setDefault(p.process));
  std::string resolved;
  TRY(process::apply(p.process, resolved, seccompStep(p, filter, false)));
  TRY(process::sealFds(p.preserveFds));
  return process::exec(resolved, p.process, seccompStep(p, filter, true));
}

// "<dev>:<inode>" of the namespace that tells the container's processes from others in its cgroup
// (kill --all, delete -f): the pid namespace its processes are born in, or without one of its
// own, its mount namespace. Read here, not by tdrun from /proc/<init>: the init may have run and
// exited by the time tdrun reads the ChildPid message. After the fork: a new pid namespace has
// no pid_for_children link until its first process exists.
Status membershipNamespace(const plan::Plan& p, std::string& out) {
  const char* path = p.hasNamespace(CLONE_NEWPID) ? "/proc/self/ns/pid_for_children" : "/proc/self/ns/mnt";
  struct stat st;
  if (stat(path, &st) != 0) return fail(errno, "stat %s", path);
  out = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  return ok();
}

Status run(int syncFd) {
  syncmsg::setChannel(syncFd);
  plan::Plan p;
  Fd passed;  // the seccomp cache's file or directory (plan.h's Seccomp::cacheFd)
  {
    std::string json, error;
    int fd;
    TRY(syncmsg::expectWithFd(syncFd, proto::Msg::Plan, &json, fd));
    passed = Fd(fd);
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
  // Built meanwhile, in the host's view of the filesystem (the listener's socket).
  seccomp::Filter filter;
  if (p.hasSeccomp) TRY(seccomp::takeCache(p.seccomp, passed.release(), filter));
  else if (passed.valid()) return fail(0, "the plan message came with an fd, but the plan has no seccomp");
  int unsharedEarly = 0;
  // create sends the plan before it makes the cgroups (protocol.h)
  if (!p.execMode) TRY(ns::unshareEarly(p, unsharedEarly));
  if (p.hasSeccomp) TRY(seccomp::compile(p.seccomp, filter));
  if (!p.execMode) TRY(syncmsg::expect(syncFd, proto::Msg::CgroupsReady));
  // execCPUAffinity: the CPUs an exec'd process runs on while it joins the container's cgroup
  if (!p.process.cpuAffinityInitial.empty()) TRY(process::setCpuAffinity(p.process.cpuAffinityInitial, "/process/execCPUAffinity/initial"));
  TRY(cgroups::enter(p));

  int consoleSock = -1, fifo = -1;
  if (p.process.terminal) TRY(console::connect(p, consoleSock));
  if (!p.execMode && !p.execFifo.empty()) TRY(openExecFifo(p, fifo));
  if (!p.execMode) TRY(rootfs::cloneBindSources(p));
  TRY(ns::enter(p, syncFd, unsharedEarly));

  // The child waits for EOF on this pipe (or the pid the parent writes for a seccomp listener),
  // i.e. until ChildPid is on the wire: the parent must learn the pid before any message from
  // the child itself.
  int barrier[2];
  if (pipe2(barrier, O_CLOEXEC) != 0) return fail(errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) return fail(errno, "fork the container process");
  if (pid > 0) {
    close(barrier[0]);
    std::string membership;
    // exec's helper already sees the container's /proc, where it has no /proc/self; exec needs none
    Status s = p.execMode ? ok() : membershipNamespace(p, membership);
    if (s.ok()) s = syncmsg::send(syncFd, proto::Msg::ChildPid, pid, membership);
    if (!s.ok()) {
      // Nobody would ever learn this pid: do not leave it behind.
      kill(pid, SIGKILL);
      syncmsg::report(s);
      _exit(1);
    }
    // the seccomp listener is told the host pid, which the child cannot see from its pid namespace
    if (filter.listener >= 0) (void)!write(barrier[1], &pid, sizeof pid);
    _exit(0);
  }
  close(barrier[1]);
  ssize_t n;
  do n = read(barrier[0], &filter.hostPid, sizeof filter.hostPid);
  while (n < 0 && errno == EINTR);
  close(barrier[0]);
  return p.execMode ? execProcess(p, consoleSock, filter) : initContainer(p, syncFd, consoleSock, fifo, filter);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "features") == 0) return seccomp::printFeatures();
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
    syncmsg::report(fail(errno, "sync socket fd %d", syncFd));
    return 1;
  }
  Status s = run(syncFd);
  syncmsg::report(s);
  return 1;
}
