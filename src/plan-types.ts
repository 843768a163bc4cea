// The plan: everything tdrun-init needs, resolved by TypeScript before anything is created.
// It travels as JSON in the Plan message (src/protocol.ts) and is parsed by addon/init/plan.cc
// into the struct in addon/init/plan.h. Keep the three in step.
//
// Rules: every path is absolute and cleaned; every flag is already a number (MS_*, CLONE_NEW*,
// MOUNT_ATTR_*, CAP_*, RLIMIT_*); nothing in here needs the bundle or config.json any more.
// 64-bit values that may exceed 2^53 (rlimits) travel as decimal strings.

export interface PlanHook {
  path: string;
  args: string[];
  env: string[];
  /** seconds; 0 = no timeout */
  timeout: number;
}

export interface PlanNamespaceJoin {
  /** CLONE_NEW* constant of the namespace type */
  type: number;
  /** host path of the namespace file, e.g. /proc/123/ns/net or /var/run/netns/x */
  path: string;
}

export interface PlanMount {
  /** absolute path inside the container, cleaned (no "..", no trailing "/") */
  destination: string;
  /** for bind mounts: absolute host path (relative sources are resolved against the bundle); else as given */
  source: string;
  /** filesystem type for mount(2); "" for bind mounts */
  type: string;
  /** bind (or rbind) mount */
  bind: boolean;
  /** rbind: MS_REC on the bind */
  recursive: boolean;
  /** MS_* flags (ro, nosuid, nodev, noexec, sync, dirsync, remount, mand, atime family, strictatime...).
   *  For bind mounts they are applied by a MS_REMOUNT|MS_BIND after the bind, as runc does. */
  flags: number;
  /** MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, each possibly | MS_REC, applied in order after mounting */
  propagation: number[];
  /** filesystem-specific options, comma-joined (e.g. "mode=755,size=65536k") */
  data: string;
  /** MOUNT_ATTR_* bits to set / clear recursively with mount_setattr(AT_RECURSIVE) (rro, rnosuid, ...) */
  recursiveAttrSet: number;
  recursiveAttrClear: number;
  /** tmpcopyup: the tmpfs starts with a copy of what the destination held (podman's --tmpfs and --read-only) */
  copyUp: boolean;
  /** "dir" or "file": what to create at the destination when it is missing (file when a bind source is not a directory) */
  createAs: 'dir' | 'file';
  /** an idmapped bind mount: /proc/PID/uid_map and gid_map lines ("containerID hostID size\n"...)
   *  of the user namespace given to mount_setattr(MOUNT_ATTR_IDMAP); "" = not idmapped */
  idmapUids: string;
  idmapGids: string;
  /** ridmap: every mount below the source too, not only its top one */
  idmapRecursive: boolean;
}

export interface PlanDevice {
  /** absolute path inside the container, e.g. /dev/null */
  path: string;
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  /** permission bits (e.g. 0o666) */
  mode: number;
  uid: number;
  gid: number;
}

export interface PlanCapabilities {
  bounding: number[];
  effective: number[];
  inheritable: number[];
  permitted: number[];
  ambient: number[];
}

export interface PlanRlimit {
  /** RLIMIT_* number */
  type: number;
  soft: string;
  hard: string;
}

export interface PlanProcess {
  args: string[];
  env: string[];
  /** absolute path inside the container */
  cwd: string;
  uid: number;
  gid: number;
  /** null: leave the umask as inherited (runc uses 0022 when unset; plan carries 0o022 then) */
  umask: number | null;
  additionalGids: number[];
  terminal: boolean;
  consoleSize: { height: number; width: number } | null;
  /** null: keep the capabilities the process has (config.json had no process.capabilities) */
  capabilities: PlanCapabilities | null;
  rlimits: PlanRlimit[];
  noNewPrivileges: boolean;
  oomScoreAdj: number | null;
  /** ioprio_set(2)'s value, class << 13 | priority; null: inherited */
  ioPriority: number | null;
  /** personality(2)'s persona (linux.personality, the container's process only); null: inherited */
  personality: number | null;
  // The keys below are left out when unset, so a plan without them is not a byte longer.
  /** process.scheduler as sched_setattr(2)'s struct sched_attr; 64-bit times as decimal strings */
  scheduler?: PlanScheduler;
  /** process.execCPUAffinity (exec only, as config.md says): cpu numbers for sched_setaffinity,
   *  `initial` before tdrun-init joins the container's cgroup, `final` right before execve */
  cpuAffinityInitial?: number[];
  cpuAffinityFinal?: number[];
  /** linux.memoryPolicy (the container's process only) for set_mempolicy(2) */
  memoryPolicy?: { mode: number; nodes: number[] };
  /** the LSM labels written to /proc/thread-self/attr/<file> (taken at execve), before
   *  no_new_privs as runc does, only where that LSM is enabled (rules.ts refuses it otherwise) */
  execLabels?: { file: 'apparmor/exec' | 'exec'; label: string }[];
}

export interface PlanScheduler {
  /** SCHED_* number */
  policy: number;
  /** SCHED_FLAG_* bits */
  flags: number;
  nice: number;
  priority: number;
  runtime: string;
  deadline: string;
  period: string;
}

export interface PlanSeccompArg {
  /** the syscall's argument number, 0-5 */
  index: number;
  /** decimal strings: 64-bit values */
  value: string;
  valueTwo: string;
  /** libseccomp's scmp_compare (SCMP_CMP_NE = 1 ... SCMP_CMP_MASKED_EQ = 7) */
  op: number;
}

export interface PlanSeccompRule {
  /** syscall names as the profile gives them; tdrun-init skips those its libseccomp does not know */
  names: string[];
  /** SECCOMP_RET_* with the errno (ERRNO, default EPERM) or tracer data (TRACE) in the low 16 bits */
  action: number;
  args: PlanSeccompArg[];
}

export interface PlanSeccomp {
  /** SECCOMP_RET_* as for a rule */
  defaultAction: number;
  /** SCMP_ARCH_* names added to the native architecture; tdrun-init resolves them with libseccomp */
  architectures: string[];
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2) */
  flags: number;
  rules: PlanSeccompRule[];
  /** the unix socket that gets the notify fd when a rule is SCMP_ACT_NOTIFY; null: none */
  listenerPath: string | null;
  /** the containerProcessState for the listener (runtime.md), cut before the closing "}}" of its
   *  "state" member and of itself: tdrun-init appends the two "pid" members, which only the
   *  container process can fill in; "" without a listener */
  listenerMessageHead: string;
  /** the compiled-program cache (src/seccomp-cache.ts): the entry's key, and what the one fd sent
   *  with the Plan message is: the cached program (architectures and rules are then left out:
   *  tdrun-init compiles nothing) or the cache's directory, into which the program compiled from
   *  the rules goes; null: no cache, compiled anew */
  cache: { key: string; fd: 'program' | 'directory' } | null;
}

export interface Plan {
  mode: 'create' | 'exec';
  /** container id, for messages only */
  id: string;

  /** CLONE_NEW* bits of the namespaces tdrun-init creates (CLONE_NEWUSER first, then the rest; pid/time take effect in the forked child) */
  newNamespaces: number;
  /** namespaces joined with setns(), in this order (user first, mount last) */
  joinNamespaces: PlanNamespaceJoin[];
  /** /proc/self/timens_offsets lines after unshare(CLONE_NEWTIME), e.g. "monotonic 10 0" */
  timeOffsets: string[];
  /** after joining/creating the user namespace, setresuid/setresgid(0) (true when the container has a user namespace) */
  becomeRootInUserns: boolean;

  /** fds 3 .. 3+preserveFds-1 are passed into the container untouched (--preserve-fds, LISTEN_FDS) */
  preserveFds: number;
  /** a connected-to path for the console socket (--console-socket), or null */
  consoleSocket: string | null;
  /** an fd (already in the helper) to send the pty master on instead of consoleSocket; -1 when none */
  consoleSocketFd: number;

  /** null: a created container without config.json's process (only `start` needs one) */
  process: PlanProcess | null;
  /** the container's cgroup directory in each v1 hierarchy, and in the cgroup2 one (null: none
   *  mounted); tdrun-init moves itself there before entering any namespace */
  cgroupsV1: string[];
  cgroupV2: string | null;
  /** linux.intelRdt: the tasks file of the resctrl group (or monitoring group) tdrun made, which
   *  tdrun-init writes its pid to with the cgroups; "" = none */
  resctrlTasks: string;

  // ---- create only (empty / defaults for exec) ----
  /** absolute host path of the root filesystem, symlinks resolved */
  rootfs: string;
  rootfsReadonly: boolean;
  /** MS_* propagation applied to "/" of the new mount namespace before any mount (default MS_SLAVE|MS_REC) */
  rootfsPropagation: number;
  /** --no-pivot: MS_MOVE + chroot instead of pivot_root */
  noPivot: boolean;
  mounts: PlanMount[];
  /** default devices (null, zero, full, random, urandom, tty) + linux.devices, one per path */
  devices: PlanDevice[];
  /** in a user namespace mknod fails: bind-mount the host's node instead */
  bindDevices: boolean;
  /** create /dev/fd, /dev/std{in,out,err}, /dev/ptmx symlinks (true unless /dev is a bind mount) */
  defaultDevSymlinks: boolean;
  maskedPaths: string[];
  readonlyPaths: string[];
  hostname: string | null;
  domainname: string | null;
  /** written to /proc/sys/<key with . replaced by /> after pivot */
  sysctl: { key: string; value: string }[];
  /** absolute host path of the exec fifo the init blocks on until `start`; "" (`run`, which
   *  starts at once): the init goes on to execve right after Ready */
  execFifo: string;
  /** join a new session keyring named after the container, as runc does unless --no-new-keyring,
   *  so containers do not share (and read) the host's session keys */
  newSessionKeyring: boolean;
  /** true when the init must send RunRuntimeHooks before pivot_root and wait for the state JSON */
  syncHooks: boolean;
  hooks: { createContainer: PlanHook[]; startContainer: PlanHook[] };
  /** linux.seccomp (create), or the container's (exec); null: no filter */
  seccomp: PlanSeccomp | null;
}
