// The "cgroup" (v1) mount of a container on a v1 or hybrid host.
#pragma once
#include "plan.h"
#include "status.h"

namespace rootfs {

// A tmpfs at m.destination holding one directory per hierarchy of this process: without a cgroup
// namespace the host directory of the process's own cgroup is bind-mounted there (as runc does),
// with one each hierarchy is mounted by name (the kernel roots it at the namespace's cgroup).
// Hierarchies the host has not mounted are not shown. m.flags apply to every hierarchy and, for
// ro, to the tmpfs too (after it is filled).
Status mountCgroupV1(int rootfd, const plan::Mount& m, const plan::Plan& p);

}  // namespace rootfs
