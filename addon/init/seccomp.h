// linux.seccomp. The filter is built with libseccomp (linked statically) while the container is
// set up, checked against the kernel, exported as BPF and given an ENOSYS stub in front, its
// choice by syscall number rewritten as ranges (bpf_program.h); the
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
  std::vector<uint32_t> actions;  // the profile's actions, SECCOMP_RET_ACTION_FULL bits only
  // the cache's directory (plan.seccomp.cacheFd Directory), to write the compiled program into
  int cacheDir = -1;
  bool cached = false;  // the program came from the cache
};

// Takes the fd that came with the plan (-1: none), as plan.seccomp.cacheFd says: the cached
// program, which tdrun found and checked (addon/seccomp_cache.h: the file is the right one for
// the profile, and no one but root could have written it) and which this build of tdrun-init
// must have compiled; or the directory the program compiled from the rules goes into.
Status takeCache(const plan::Seccomp& s, int passed, Filter& out);

// Builds the program (unless takeCache had it; a new one goes into the cache) and checks its
// actions and flags against this kernel, so that a filter that could not be installed fails
// `create` rather than `start`. Connects to the listener's socket: call it while the host's
// filesystem is still visible.
Status compile(const plan::Seccomp& s, Filter& out);

// Installs the filter on the calling process. With a listener, sends it the notify fd and the
// containerProcessState, then closes both: the container must never hold its own notify fd.
Status load(const plan::Seccomp& s, Filter& f);

// `tdrun-init features`: what this libseccomp and kernel support, as JSON on stdout.
int printFeatures();

}  // namespace seccomp
