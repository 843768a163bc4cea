// The process settings of plan.process, applied in the order the kernel needs: rlimits,
// oom_score_adj, io priority, personality, memory policy and scheduler while still privileged,
// then cwd, user and groups, umask, capabilities, the LSM exec label and no_new_privs; then the
// fd hygiene, signal reset and final CPU affinity right before execve.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "plan.h"
#include "status.h"

namespace process {

// Opens `rel` (e.g. "self/oom_score_adj", "sys/net/ipv4/ip_forward") below the procfs mounted on
// /proc, refusing to leave that mount (RESOLVE_NO_XDEV), so a bind mount or symlink planted over a
// procfs file cannot redirect the access (CVE-2025-52881). Returns the fd, or a Status naming the path.
Status openProc(const std::string& rel, int flags, int& fd);
Status writeProc(const std::string& rel, const std::string& data);

// chdir + getcwd check: the cwd must be reachable from the process root (CVE-2024-21626).
Status enterCwd(const std::string& cwd);

// Everything in process settings up to the capabilities; `resolved` gets args[0] looked up in
// the PATH of process.env. Must run in the container's namespaces (after pivot_root for create).
// `whilePrivileged` runs after the rlimits, oom_score_adj and cwd, right before the process gives
// up its capabilities and root (a seccomp filter without no_new_privs needs CAP_SYS_ADMIN).
Status apply(const plan::Process& p, std::string& resolved, const std::function<Status()>& whilePrivileged);

// sched_setaffinity of this process to `cpus`; `pointer` names the setting in an error.
Status setCpuAffinity(const std::vector<int>& cpus, const char* pointer);

// Marks every fd from 3+preserveFds on close-on-exec, clears it on the preserved ones.
Status sealFds(int preserveFds);

// Default dispositions for every signal and an empty signal mask.
void resetSignals();

// execve(resolved, args, env) after resetSignals and `lastStep` (a seccomp filter, so that as few
// of tdrun-init's own syscalls as possible have to pass it); returns only on failure.
Status exec(const std::string& resolved, const plan::Process& p, const std::function<Status()>& lastStep);

}  // namespace process
