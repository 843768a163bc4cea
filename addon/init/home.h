// HOME for the container's process when process.env has none, as runc sets it: the home
// directory of the process's uid in the container's own /etc/passwd, "/" without an entry.
#pragma once
#include "plan.h"
#include "status.h"

namespace home {

// Appends HOME=... to p.env unless it already has a HOME. Runs after pivot_root (or in an exec,
// after joining the mount namespace), so /etc/passwd and any symlink in it resolve inside the
// container's root and cannot reach the host's files (nor can /proc's magic links).
Status setDefault(plan::Process& p);

}  // namespace home
