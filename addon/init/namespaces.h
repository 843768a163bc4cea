// Stage 1 of tdrun-init: entering the container's namespaces before the fork that makes the
// container's process (the pid and time namespaces only take effect in children).
#pragma once
#include "plan.h"
#include "status.h"

namespace ns {

// Joins plan.joinNamespaces in order (every file opened before the first setns, since /proc
// paths change meaning after a mount namespace switch); creates the user namespace and has the
// parent write its id maps (NeedIdMaps round trip on `syncFd`); becomes root in it when asked;
// unshares the other new namespaces and writes the time offsets.
Status enter(const plan::Plan& p, int syncFd);

}  // namespace ns
