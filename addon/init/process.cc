#include "process.h"
#include "sync.h"
#include "fd.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace process {
namespace {

const char* rlimitName(int type) {
  static const char* const names[] = {"RLIMIT_CPU",     "RLIMIT_FSIZE",  "RLIMIT_DATA",   "RLIMIT_STACK",
                                      "RLIMIT_CORE",    "RLIMIT_RSS",    "RLIMIT_NPROC",  "RLIMIT_NOFILE",
                                      "RLIMIT_MEMLOCK", "RLIMIT_AS",     "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
                                      "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};
  return type >= 0 && type < static_cast<int>(sizeof names / sizeof *names) ? names[type] : nullptr;
}

std::string limitText(uint64_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

Status setRlimits(const plan::Process& p) {
  for (auto& l : p.rlimits) {
    struct rlimit r = {static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (setrlimit(static_cast<__rlimit_resource>(l.type), &r) == 0) continue;
    const char* name = rlimitName(l.type);
    std::string n = name ? name : "rlimit " + std::to_string(l.type);
    return fail(errno, "setrlimit %s (soft %s, hard %s)", n.c_str(), limitText(l.soft).c_str(), limitText(l.hard).c_str());
  }
  return ok();
}

// A shell-like default when process.env has no PATH, so `sh` still resolves.
constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool executableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

// As Go's exec.LookPath, which is what runc users get: a name with a slash is taken as is (but
// must exist and be executable by the process user, which is who calls this, so that a typo or
// a missing exec bit is a create-time error), otherwise the first executable regular file in
// PATH wins, an empty PATH element meaning ".".
Status lookPath(const plan::Process& p, std::string& out) {
  const std::string& name = p.args[0];
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (stat(name.c_str(), &st) != 0) return fail(errno, "exec: \"%s\": stat %s", name.c_str(), name.c_str());
    // AT_EACCESS: the effective ids and capabilities, those execve will check
    int err = S_ISDIR(st.st_mode) ? EACCES : faccessat(AT_FDCWD, name.c_str(), X_OK, AT_EACCESS) == 0 ? 0 : errno;
    if (err) return fail(err, "exec: \"%s\"", name.c_str());
    out = name;
    return ok();
  }
  std::string path = kDefaultPath;
  for (auto& e : p.env)
    if (e.compare(0, 5, "PATH=") == 0) path = e.substr(5);
  size_t start = 0;
  for (;;) {
    size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (!name.empty() && executableFile(candidate)) {
      out = candidate;
      return ok();
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return fail(0, "exec: \"%s\": executable file not found in $PATH", name.c_str());
}

// runc hands the container user its stdio (the owner only, the group stays): a user other than
// root can then reopen its own /dev/stdout or write to a console it did not create. /dev/null is
// shared, so it is left alone. EINVAL (owner not mapped in this user namespace) and EPERM leave
// the fd usable as inherited.
Status chownStdio(unsigned uid) {
  for (int fd = 0; fd <= 2; ++fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
      if (errno == EBADF) continue;
      return fail(errno, "fstat fd %d", fd);
    }
    if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) continue;
    if (fchown(fd, uid, -1) != 0 && errno != EINVAL && errno != EPERM) return fail(errno, "chown fd %d to uid %u", fd, uid);
  }
  return ok();
}

// In a user namespace whose /proc/<pid>/setgroups says "deny", setgroups(2) always fails; an
// empty group list is then already what the process has.
bool setgroupsDenied() {
  int fd;
  if (!openProc("self/setgroups", O_RDONLY, fd).ok()) return false;
  char buf[16] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 && strncmp(buf, "deny", 4) == 0;
}

Status setGroups(const plan::Process& p) {
  std::vector<gid_t> gids(p.additionalGids.begin(), p.additionalGids.end());
  if (setgroups(gids.size(), gids.data()) == 0) return ok();
  int err = errno;
  const bool denied = err == EPERM && setgroupsDenied();
  if (denied && gids.empty()) return ok();
  std::string list;
  for (auto g : gids) list += (list.empty() ? "" : ",") + std::to_string(g);
  // rootless with only the caller's own gid mapped: tdrun wrote that map itself, which the kernel
  // allows only once setgroups is denied (newgidmap and /etc/subgid ranges keep it allowed)
  if (denied) return fail(err, "setgroups [%s]: denied in this user namespace (a gid map of your own gid only; additional gids need a range from /etc/subgid)", list.c_str());
  return fail(err, "setgroups [%s]", list.c_str());
}

Status dropBounding(const plan::Capabilities& c) {
  uint64_t keep = 0;
  for (int cap : c.bounding) keep |= 1ULL << cap;
  for (int cap = 0; cap < 64; ++cap) {
    if (keep & (1ULL << cap)) continue;
    // EINVAL: a capability this kernel does not have, so there is nothing to drop.
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
      return fail(errno, "drop capability %d from the bounding set", cap);
  }
  return ok();
}

uint64_t mask(const std::vector<int>& caps) {
  uint64_t m = 0;
  for (int cap : caps) m |= 1ULL << cap;
  return m;
}

Status setCapabilities(const plan::Capabilities& c) {
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  uint64_t e = mask(c.effective), pm = mask(c.permitted), i = mask(c.inheritable);
  for (int k = 0; k < 2; ++k) {
    data[k].effective = static_cast<uint32_t>(e >> (32 * k));
    data[k].permitted = static_cast<uint32_t>(pm >> (32 * k));
    data[k].inheritable = static_cast<uint32_t>(i >> (32 * k));
  }
  if (syscall(SYS_capset, &header, data) != 0) return fail(errno, "capset");
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return fail(errno, "prctl PR_SET_KEEPCAPS 0");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return fail(errno, "clear the ambient capabilities");
  // runc only warns here, and `runc spec` itself lists ambient caps that are not inheritable:
  // failing would break configs that run under runc.
  for (int cap : c.ambient)
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      syncmsg::warn("ambient capability %d not raised (it must be permitted and inheritable): %s", cap, strerror(errno));
  return ok();
}

const char* const kPolicyNames[] = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE"};

// sched_attr of <linux/sched/types.h>, SCHED_ATTR_SIZE_VER0: the spec has no util clamp values,
// so the kernel refuses SCHED_FLAG_UTIL_CLAMP_* with this size, and the error names the field.
struct SchedAttr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
};

Status setScheduler(const plan::Scheduler& s) {
  SchedAttr attr = {sizeof attr, s.policy, s.flags, s.nice, s.priority, s.runtime, s.deadline, s.period};
  if (syscall(SYS_sched_setattr, 0, &attr, 0) == 0) return ok();
  int err = errno;
  const char* name = s.policy < sizeof kPolicyNames / sizeof *kPolicyNames ? kPolicyNames[s.policy] : "?";
  // the usual cause on cgroup v1: RT group scheduling gives a new cgroup no realtime runtime
  const bool realtime = s.policy == SCHED_FIFO || s.policy == SCHED_RR;
  const char* hint = err == EPERM && realtime ? " (a realtime policy needs CAP_SYS_NICE and realtime runtime in the cgroup: linux.resources.cpu.realtimeRuntime)" : "";
  return fail(err, "sched_setattr /process/scheduler (policy %s, flags 0x%llx, nice %d, priority %u, runtime %llu, deadline %llu, period %llu)%s",
              name, static_cast<unsigned long long>(s.flags), s.nice, s.priority, static_cast<unsigned long long>(s.runtime),
              static_cast<unsigned long long>(s.deadline), static_cast<unsigned long long>(s.period), hint);
}

std::string listText(const std::vector<int>& ids) {
  std::string text;
  for (int id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

Status setMemoryPolicy(const plan::Process& p) {
  unsigned long maxNode = 0;
  for (int node : p.memoryPolicyNodes) maxNode = std::max(maxNode, static_cast<unsigned long>(node) + 1);
  constexpr unsigned kBits = 8 * sizeof(unsigned long);
  std::vector<unsigned long> mask(maxNode / kBits + 1, 0);
  for (int node : p.memoryPolicyNodes) mask[node / kBits] |= 1UL << (node % kBits);
  // maxnode counts one past the highest node the kernel reads (it drops the last bit)
  if (syscall(SYS_set_mempolicy, p.memoryPolicyMode, p.memoryPolicyNodes.empty() ? nullptr : mask.data(), p.memoryPolicyNodes.empty() ? 0 : maxNode + 1) == 0)
    return ok();
  return fail(errno, "set_mempolicy /linux/memoryPolicy (mode 0x%x, nodes %s)", p.memoryPolicyMode, listText(p.memoryPolicyNodes).c_str());
}

// AppArmor's "exec <profile>" or an SELinux context, taken by the kernel at the next execve.
Status setExecLabel(const plan::ExecLabel& l) {
  Status s = writeProc("thread-self/attr/" + l.file, l.label);
  if (s.ok()) return s;
  const bool apparmor = l.file == "apparmor/exec";
  // AppArmor answers the write with ENOENT for a profile it has not loaded (the open's ENOENT is
  // a kernel without the attribute); the label is "exec <profile>"
  if (apparmor && s.err == ENOENT && s.what.compare(0, 6, "write ") == 0) return fail(0, "/process/apparmorProfile: AppArmor profile \"%s\" is not loaded", l.label.c_str() + 5);
  return fail(s.err, "%s: %s", apparmor ? "/process/apparmorProfile" : "/process/selinuxLabel", s.what.c_str());
}

}  // namespace

Status setCpuAffinity(const std::vector<int>& cpus, const char* pointer) {
  int highest = 0;
  for (int cpu : cpus) highest = std::max(highest, cpu);
  cpu_set_t* set = CPU_ALLOC(highest + 1);
  if (!set) return fail(ENOMEM, "sched_setaffinity %s", pointer);
  size_t size = CPU_ALLOC_SIZE(highest + 1);
  CPU_ZERO_S(size, set);
  for (int cpu : cpus) CPU_SET_S(cpu, size, set);
  int rc = sched_setaffinity(0, size, set);
  int err = errno;
  CPU_FREE(set);
  if (rc != 0) return fail(err, "sched_setaffinity %s (cpus %s)", pointer, listText(cpus).c_str());
  return ok();
}

Status openProc(const std::string& rel, int flags, int& fd) {
  std::string shown = "/proc/" + rel;
  Fd proc(open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!proc.valid()) return fail(errno, "open /proc");
  struct statfs sfs;
  struct stat st;
  if (fstatfs(proc.get(), &sfs) != 0 || fstat(proc.get(), &st) != 0) return fail(errno, "stat /proc");
  // Inode 1 is the root of a procfs mount: /proc is neither another filesystem nor a bind of a subdirectory.
  if (sfs.f_type != PROC_SUPER_MAGIC || st.st_ino != 1) return fail(0, "open %s: /proc is not the root of a procfs mount", shown.c_str());
  open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOCTTY);
  how.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS;
  fd = static_cast<int>(syscall(SYS_openat2, proc.get(), rel.c_str(), &how, sizeof how));
  if (fd < 0) return fail(errno, "open %s", shown.c_str());
  return ok();
}

Status writeProc(const std::string& rel, const std::string& data) {
  int raw;
  TRY(openProc(rel, O_WRONLY, raw));
  Fd fd(raw);
  ssize_t n = write(fd.get(), data.data(), data.size());
  if (n < 0) return fail(errno, "write /proc/%s", rel.c_str());
  if (static_cast<size_t>(n) != data.size()) return fail(0, "write /proc/%s: short write", rel.c_str());
  return ok();
}

Status enterCwd(const std::string& cwd) {
  if (chdir(cwd.c_str()) != 0) return fail(errno, "chdir %s", cwd.c_str());
  // getcwd fails with ENOENT when the cwd lies outside the process root: a leaked host directory.
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof buf)) return fail(errno, "getcwd after chdir %s (cwd outside the container?)", cwd.c_str());
  if (buf[0] != '/') return fail(0, "chdir %s: the cwd is outside the container", cwd.c_str());
  return ok();
}

Status apply(const plan::Process& p, std::string& resolved, const std::function<Status()>& whilePrivileged) {
  TRY(setRlimits(p));
  if (p.hasOomScoreAdj) TRY(writeProc("self/oom_score_adj", std::to_string(p.oomScoreAdj)));
  // IOPRIO_WHO_PROCESS 1, this process: the program inherits it across execve
  if (p.hasIoPriority && syscall(SYS_ioprio_set, 1, 0, p.ioPriority) != 0) return fail(errno, "ioprio_set %d", p.ioPriority);
  if (p.hasPersonality && personality(p.personality) < 0) return fail(errno, "personality 0x%lx", p.personality);
  if (p.hasMemoryPolicy) TRY(setMemoryPolicy(p));
  // While privileged: a realtime policy or a negative nice needs CAP_SYS_NICE.
  if (p.hasScheduler) TRY(setScheduler(p.scheduler));

  // A cwd only the container user may enter is entered after the switch (as runc does).
  bool cwdLater = false;
  if (Status s = enterCwd(p.cwd); !s.ok()) {
    if (s.err != EACCES) return s;
    cwdLater = true;
  }

  TRY(chownStdio(p.uid));
  TRY(whilePrivileged());
  if (p.hasCapabilities) {
    TRY(dropBounding(p.capabilities));
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return fail(errno, "prctl PR_SET_KEEPCAPS 1");
  }
  TRY(setGroups(p));
  if (setresgid(p.gid, p.gid, p.gid) != 0) return fail(errno, "setresgid %u", p.gid);
  if (setresuid(p.uid, p.uid, p.uid) != 0) return fail(errno, "setresuid %u", p.uid);
  if (cwdLater) TRY(enterCwd(p.cwd));

  TRY(lookPath(p, resolved));
  if (p.hasUmask) umask(p.umask);
  if (p.hasCapabilities) TRY(setCapabilities(p.capabilities));
  // Before no_new_privs, as runc does: under it SELinux needs an nnp_transition permission and
  // AppArmor allows only some transitions. startContainer hooks, forked later, get it as with runc.
  for (auto& label : p.execLabels) TRY(setExecLabel(label));
  if (p.noNewPrivileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(errno, "prctl PR_SET_NO_NEW_PRIVS");
  return ok();
}

Status sealFds(int preserveFds) {
  for (int fd = 3; fd < 3 + preserveFds; ++fd) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0) {
      if (errno == EBADF) continue;
      return fail(errno, "fcntl preserved fd %d", fd);
    }
    if ((flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) return fail(errno, "fcntl preserved fd %d", fd);
  }
  // CLOEXEC rather than close: the sync socket and the exec fifo are still needed until execve.
  if (close_range(3 + preserveFds, ~0U, CLOSE_RANGE_CLOEXEC) != 0) return fail(errno, "close_range %d", 3 + preserveFds);
  return ok();
}

void resetSignals() {
  // The raw syscalls: glibc's wrappers refuse its reserved signals 32 and 33, which an engine
  // may still have left ignored, and the container must not inherit that either.
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
  } dfl = {SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof dfl.mask);
  uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
}

Status exec(const std::string& resolved, const plan::Process& p, const std::function<Status()>& lastStep) {
  std::vector<char*> argv, envp;
  for (auto& a : p.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : p.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  resetSignals();
  if (!p.cpuAffinityFinal.empty()) TRY(setCpuAffinity(p.cpuAffinityFinal, "/process/execCPUAffinity/final"));
  TRY(lastStep());
  execve(resolved.c_str(), argv.data(), envp.data());
  return fail(errno, "exec %s", resolved.c_str());
}

}  // namespace process
