// The container's root filesystem, built inside the new mount namespace by the init.
// Every destination is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT) and mounted through
// /proc/self/fd/N, so no symlink in the rootfs, present or swapped in mid-setup, leads outside it.
#pragma once
#include "plan.h"
#include "status.h"

namespace rootfs {

// Before pivot_root: "/" propagation, the rootfs bind onto itself, every plan mount in order,
// device nodes, the /dev symlinks, and an empty /dev/console when process.terminal is set.
Status prepare(const plan::Plan& p);

// With a user namespace, before tdrun-init joins it: a detached clone (open_tree) of each bind
// mount's source, made with the host's credentials and view, for prepare() to attach. The
// container's root may not be able to reach a source itself (a host directory below one that
// only the host's root may enter); runc opens its mount sources early for the same reason.
// Idmapped bind mounts are cloned this way with or without a user namespace, and mapped here:
// MOUNT_ATTR_IDMAP needs the host's privileges over the source's filesystem.
Status cloneBindSources(plan::Plan& p);

// pivot_root into plan.rootfs (or MS_MOVE + chroot with noPivot); cwd becomes "/".
Status enter(const plan::Plan& p);

// After pivot_root: maskedPaths, readonlyPaths, root.readonly, and plan.rootfsPropagation on "/".
Status finish(const plan::Plan& p);

}  // namespace rootfs
