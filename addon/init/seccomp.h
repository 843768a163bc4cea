// linux.seccomp. The filter is built with libseccomp (linked statically) while the container is
// set up, checked against the kernel, exported as BPF and given an ENOSYS stub in front; the
// process then installs it with one seccomp(2) call at the point main.cc picks.
#pragma once
#include <linux/filter.h>
#include <sys/types.h>

#include <vector>

#include "plan.h"
#include "status.h"

namespace seccomp {

struct Filter {
  std::vector<sock_filter> program;
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_*: the plan's, plus NEW_LISTENER when a rule notifies
  int listener = -1;   // connected to plan.seccomp.listenerPath, or -1
  pid_t hostPid = 0;   // the container process's pid in tdrun's pid namespace, for the listener
};

// Builds the program and checks its actions and flags against this kernel, so that a filter that
// could not be installed fails `create` rather than `start`. Connects to the listener's socket:
// call it while the host's filesystem is still visible.
Status compile(const plan::Seccomp& s, Filter& out);

// Installs the filter on the calling process. With a listener, sends it the notify fd and the
// containerProcessState, then closes both: the container must never hold its own notify fd.
Status load(const plan::Seccomp& s, Filter& f);

// `tdrun-init features`: what this libseccomp and kernel support, as JSON on stdout.
int printFeatures();

}  // namespace seccomp
