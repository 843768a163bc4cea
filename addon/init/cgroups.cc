// Why the helper moves itself instead of having tdrun write its pid into cgroup.procs (what runc
// does): moving a whole thread group takes the kernel's global cgroup_threadgroup_rwsem for
// writing, and the first such writer in a while waits for an RCU grace period, 7-16 ms on this
// machine kind, most of a container start. Two moves take no global lock at all: a
// single-threaded process writing "0" to a v1 hierarchy's `tasks` file moves only itself
// (kernel 6.0 and later), and clone3(CLONE_INTO_CGROUP) starts a process inside a cgroup2 cgroup
// (kernel 5.7 and later). tdrun-init is static and single-threaded, so both apply; on older
// kernels the same writes still work, and only cost the wait.
#include "cgroups.h"
#include "fd.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace cgroups {
namespace {

// Writes a pid to a cgroup.procs, tasks or resctrl tasks file; `what` names the step in errors.
Status writePid(const std::string& file, const std::string& pid, const char* what) {
  Fd fd(open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return fail(errno, "%s: open %s", what, file.c_str());
  ssize_t n = write(fd.get(), pid.data(), pid.size());
  if (n != static_cast<ssize_t>(pid.size())) return fail(n < 0 ? errno : 0, "%s: write %s", what, file.c_str());
  return ok();
}

Status writeSelf(const std::string& file) { return writePid(file, "0", "join cgroup"); }

// Returns in a new process that lives in `dir`; this one never returns from here.
Status respawnInto(const std::string& dir) {
  Fd fd(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return fail(errno, "join cgroup: open %s", dir.c_str());
  struct clone_args args = {};
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(fd.get());
  pid_t self = getpid();
  long pid = syscall(SYS_clone3, &args, sizeof args);
  int err = errno;
  fd.reset();
  if (pid < 0) {
    // no clone3 (before 5.3) or no CLONE_INTO_CGROUP (before 5.7): the classic move
    if (err == ENOSYS || err == EINVAL) return writeSelf(dir + "/cgroup.procs");
    return fail(err, "join cgroup: clone3 into %s", dir.c_str());
  }
  if (pid == 0) {
    // tdrun kills the process it spawned when it gives up: take this one along
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return fail(errno, "prctl PR_SET_PDEATHSIG");
    if (getppid() != self) _exit(1);
    return ok();
  }
  int status = 0;
  while (waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

}  // namespace

Status enter(const plan::Plan& p) {
  // cgroup2 first, so that the waiting original stays out of the v1 cgroups (and their limits)
  if (!p.cgroupV2.empty()) TRY(respawnInto(p.cgroupV2));
  for (auto& dir : p.cgroupsV1) TRY(writeSelf(dir + "/tasks"));
  // linux.intelRdt: the resctrl group (or its monitoring group) tdrun made; resctrl's tasks file
  // takes a pid, and children inherit the group as they inherit cgroups
  if (!p.resctrlTasks.empty()) TRY(writePid(p.resctrlTasks, std::to_string(getpid()), "join the resctrl group"));
  return ok();
}

}  // namespace cgroups
