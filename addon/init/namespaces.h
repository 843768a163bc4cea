// Stage 1 of tdrun-init: entering the container's namespaces before the fork that makes the
// container's process (the pid and time namespaces only take effect in children).
#pragma once
#include "plan.h"
#include "status.h"

namespace ns {

// Without any user namespace, creates the new network, IPC, UTS and mount namespaces at once and
// says which in `unshared`: they depend neither on the cgroups nor on who owns them, so create
// makes them while tdrun still makes the cgroups (a new network namespace alone is ~0.4 ms).
// With a user namespace every namespace must be made after it, inside it: `unshared` is 0.
Status unshareEarly(const plan::Plan& p, int& unshared);

// Joins plan.joinNamespaces in order (every file opened before the first setns, since /proc
// paths change meaning after a mount namespace switch); creates the user namespace and has the
// parent write its id maps (NeedIdMaps round trip on `syncFd`); becomes root in it when asked;
// unshares the other new namespaces (but those of `unsharedEarly`) and writes the time offsets.
Status enter(const plan::Plan& p, int syncFd, int unsharedEarly);

}  // namespace ns
