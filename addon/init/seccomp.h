// linux.seccomp. The filter is built with libseccomp (linked statically) while the container is
// set up, checked against the kernel, exported as BPF and given an ENOSYS stub in front; the
// process then installs it with one seccomp(2) call at the point main.cc picks.
#pragma once
#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "plan.h"
#include "status.h"

namespace seccomp {

struct Filter {
  std::vector<sock_filter> program;
  bool notifies = false;  // a SCMP_ACT_NOTIFY rule made it into the program
  std::string skipped;    // the profile's syscall names unknown to libseccomp, ", "-joined
  unsigned flags = 0;  // SECCOMP_FILTER_FLAG_*: the plan's, plus NEW_LISTENER when a rule notifies
  int listener = -1;   // connected to plan.seccomp.listenerPath, or -1
  pid_t hostPid = 0;   // the container process's pid in tdrun's pid namespace, for the listener
  // The cache of compiled programs (plan.seccomp.cacheDir): its directory, checked and held
  // open by readCache, and the profile's key; `cached` when the program came from there.
  int cacheDir = -1;
  std::string cacheKey;
  bool cached = false;
};

// Looks the profile up among the programs compiled before (crun's cache: engines send the same
// profile with every container, and libseccomp takes milliseconds over a docker-sized one). The
// directory must belong to this user and be closed to everyone else; a file is used only when
// its name and its content carry the SHA-256 of the profile and of this libseccomp and
// architecture, and its size is what its header says. Call it in the host's user namespace.
void readCache(const plan::Seccomp& s, Filter& out);

// Builds the program (unless readCache found it; a new one goes into the cache) and checks its actions and flags against this kernel, so that a filter that
// could not be installed fails `create` rather than `start`. Connects to the listener's socket:
// call it while the host's filesystem is still visible.
Status compile(const plan::Seccomp& s, Filter& out);

// Installs the filter on the calling process. With a listener, sends it the notify fd and the
// containerProcessState, then closes both: the container must never hold its own notify fd.
Status load(const plan::Seccomp& s, Filter& f);

// `tdrun-init features`: what this libseccomp and kernel support, as JSON on stdout.
int printFeatures();

}  // namespace seccomp
