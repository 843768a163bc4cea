// The plan, as tdrun-init sees it: parsed from the JSON of src/plan-types.ts (read that file for
// what each field means). tdrun-init is static and single-threaded, so it may allocate freely, but
// it is built with -fno-exceptions: every fallible call returns a Status instead of throwing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace plan {

struct Hook {
  std::string path;
  std::vector<std::string> args, env;
  int timeout = 0;  // seconds, 0 = none
};

struct NamespaceJoin {
  int type = 0;  // CLONE_NEW*
  std::string path;
};

struct Mount {
  std::string destination, source, type, data;
  bool bind = false, recursive = false;
  unsigned long flags = 0;
  std::vector<unsigned long> propagation;
  uint64_t recursiveAttrSet = 0, recursiveAttrClear = 0;
  bool createAsFile = false;  // "createAs": "file"
  bool copyUp = false;        // tmpcopyup
  std::string idmapUids, idmapGids;  // uid_map/gid_map lines of an idmapped mount; empty = not one
  bool idmapRecursive = false;       // ridmap
  int sourceTree = -1;        // not in the plan: rootfs::cloneBindSources's clone of the source, or -1
};

struct Device {
  std::string path;
  char type = 'c';
  int64_t major = 0, minor = 0;
  unsigned mode = 0666;
  unsigned uid = 0, gid = 0;
};

struct Capabilities {
  std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

struct Rlimit {
  int type = 0;
  uint64_t soft = 0, hard = 0;  // parsed from decimal strings
};

// linux.seccomp, compiled by src/plan.ts: actions are SECCOMP_RET_* values with their errno or
// trace data in the low 16 bits, operators libseccomp's scmp_compare values.
struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0, valueTwo = 0;  // parsed from decimal strings
  int op = 0;
};

struct SeccompRule {
  std::vector<std::string> names;
  uint32_t action = 0;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  uint32_t defaultAction = 0;
  std::vector<std::string> architectures;  // OCI names, e.g. "SCMP_ARCH_X86"
  unsigned flags = 0;                      // SECCOMP_FILTER_FLAG_* for seccomp(2)
  std::vector<SeccompRule> rules;
  std::string listenerPath;  // empty = no SCMP_ACT_NOTIFY rule
  // The containerProcessState JSON sent to the listener, cut right before the two "pid" members
  // only the container process can fill in: see seccomp.cc.
  std::string listenerMessageHead;
  // The compiled-program cache (addon/seccomp_cache.h): the entry's key ("" = none) and what the
  // Plan message's one fd is. Program: the cached file, which tdrun checked, and the rules are
  // left out; Directory: the cache's directory, into which the program compiled from the rules
  // is written.
  std::string cacheKey;
  enum class CacheFd { None, Program, Directory } cacheFd = CacheFd::None;
};

// process.scheduler, as sched_setattr(2)'s struct sched_attr takes it.
struct Scheduler {
  uint32_t policy = 0;
  uint64_t flags = 0;
  int32_t nice = 0;
  uint32_t priority = 0;
  uint64_t runtime = 0, deadline = 0, period = 0;
};

// An LSM label for the next execve: /proc/thread-self/attr/<file> ("apparmor/exec" or "exec").
struct ExecLabel {
  std::string file, label;
};

struct Process {
  std::vector<std::string> args, env;
  std::string cwd = "/";
  unsigned uid = 0, gid = 0;
  bool hasUmask = false;
  unsigned umask = 022;
  std::vector<unsigned> additionalGids;
  bool terminal = false;
  bool hasConsoleSize = false;
  unsigned short consoleHeight = 0, consoleWidth = 0;
  bool hasCapabilities = false;
  Capabilities capabilities;
  std::vector<Rlimit> rlimits;
  bool noNewPrivileges = false;
  bool hasOomScoreAdj = false;
  int oomScoreAdj = 0;
  bool hasIoPriority = false;
  int ioPriority = 0;  // ioprio_set(2)'s value
  bool hasPersonality = false;
  unsigned long personality = 0;
  bool hasScheduler = false;
  Scheduler scheduler;
  std::vector<int> cpuAffinityInitial, cpuAffinityFinal;  // empty = leave as inherited
  bool hasMemoryPolicy = false;
  int memoryPolicyMode = 0;  // MPOL_* | MPOL_F_*
  std::vector<int> memoryPolicyNodes;
  std::vector<ExecLabel> execLabels;
};

struct Plan {
  bool execMode = false;  // "mode": "exec"
  std::string id;
  int newNamespaces = 0;
  std::vector<NamespaceJoin> joinNamespaces;
  std::vector<std::string> timeOffsets;
  bool becomeRootInUserns = false;
  int preserveFds = 0;
  std::string consoleSocket;  // empty = none
  int consoleSocketFd = -1;
  // false for a config.json without process (the spec needs one only for `start`): the init is
  // set up and waits, with the rootfs as cwd and no process settings applied
  bool hasProcess = true;
  Process process;
  std::vector<std::string> cgroupsV1;  // directories, one per v1 hierarchy
  std::string cgroupV2;                // directory; empty = no cgroup2 hierarchy
  std::string resctrlTasks;            // linux.intelRdt's group's tasks file; empty = none

  std::string rootfs;
  bool rootfsReadonly = false;
  unsigned long rootfsPropagation = 0;
  bool noPivot = false;
  std::vector<Mount> mounts;
  std::vector<Device> devices;
  bool bindDevices = false;
  bool defaultDevSymlinks = true;
  std::vector<std::string> maskedPaths, readonlyPaths;
  bool hasHostname = false, hasDomainname = false;
  std::string hostname, domainname;
  std::vector<std::pair<std::string, std::string>> sysctl;
  // The start barrier: the init opens this fifo O_RDWR before pivot_root, sends Ready, then
  // blocks in read() for one byte. `tdrun start` opens it O_WRONLY|O_NONBLOCK (ENXIO: the init
  // is gone, a clear error instead of runc's hang), writes one byte and unlinks it. Empty for
  // `run`: the init goes on to execve right after Ready.
  std::string execFifo;
  bool newSessionKeyring = false;
  bool syncHooks = false;
  std::vector<Hook> createContainerHooks, startContainerHooks;
  bool hasSeccomp = false;
  Seccomp seccomp;

  // True when the container gets a namespace of this CLONE_NEW* type, new or joined.
  bool hasNamespace(int type) const {
    if (newNamespaces & type) return true;
    for (auto& j : joinNamespaces)
      if (j.type == type) return true;
    return false;
  }
};

// Parses the plan JSON. On failure returns false and fills `error` (e.g. "plan: /mounts/3/flags: not a number").
bool parse(const std::string& json, Plan& out, std::string& error);

}  // namespace plan
