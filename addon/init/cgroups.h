// Stage 1 of tdrun-init, first step: joining the container's cgroups from the inside.
#pragma once
#include "plan.h"
#include "status.h"

namespace cgroups {

// Moves this process into plan.cgroupV2, every one of plan.cgroupsV1 and plan.resctrlTasks's
// resctrl group, before any namespace is
// entered (a cgroup namespace is rooted where its creator stands, and inside a user namespace
// the host's cgroup files are out of reach). Joining the cgroup2 one makes a new process there:
// the caller that entered continues as that process, while the original one only waits for it
// and exits with its status.
Status enter(const plan::Plan& p);

}  // namespace cgroups
