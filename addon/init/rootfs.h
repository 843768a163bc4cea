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

// pivot_root into plan.rootfs (or MS_MOVE + chroot with noPivot); cwd becomes "/".
Status enter(const plan::Plan& p);

// After pivot_root: maskedPaths, readonlyPaths, root.readonly, and plan.rootfsPropagation on "/".
Status finish(const plan::Plan& p);

}  // namespace rootfs
