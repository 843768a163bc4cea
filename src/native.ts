// The one door between TypeScript and the C++ addon (addon/node/). Nothing else loads the .node
// file. Every call here is a thin, synchronous syscall wrapper unless it says otherwise; failures
// throw an Error with `.code` (e.g. 'ENOENT') and `.errno` (positive), like Node's own fs errors.
import { addonPath } from './paths.ts';

export interface ExitStatus {
  /** exit code when the process exited, else null */
  exitCode: number | null;
  /** signal number when the process was killed by a signal, else null */
  signal: number | null;
}

/** cgroup v1's device access model: a default and the exact exceptions to it. */
export interface DeviceFilterRules {
  defaultAllow: boolean;
  /** each of the kind opposite to the default; major/minor -1 = any; access a subset of "rwm" */
  exceptions: readonly { type: 'c' | 'b'; major: number; minor: number; access: string }[];
}

export interface Native {
  /** posix_spawn(path, argv, env) with the child's fd i = fds[i] (every other fd closed), all
   *  signal dispositions reset to default and an empty signal mask. Returns the child's pid. */
  spawn(path: string, argv: string[], env: string[], fds: number[]): number;
  /** AF_UNIX SOCK_STREAM socketpair, both ends O_CLOEXEC. */
  socketpair(): [number, number];
  /** flock(2) LOCK_EX. Returns false only when `wait` is false and the lock is held elsewhere. */
  flock(fd: number, wait: boolean): boolean;
  /** poll(2) until fd takes more output (a non-blocking fd that answered EAGAIN). */
  waitWritable(fd: number): void;
  /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants (the container init after tdrun-init's
   *  first stage exits) become our children, so `run` and `exec` can collect their exit status. */
  setChildSubreaper(): void;
  /** waitpid(pid) of a child, resolved from the event loop when its pidfd turns readable (no
   *  thread), so signal handlers keep running meanwhile. Needs Linux 5.3 (pidfd_open). */
  waitPid(pid: number): Promise<ExitStatus>;
  /** Non-blocking waitpid(pid, WNOHANG): null while the child runs. */
  tryWaitPid(pid: number): ExitStatus | null;
  /** mkfifo(path, mode). */
  mkfifo(path: string, mode: number): void;
  /** cgroup v1's OOM notification for the memory cgroup directory: an eventfd (close-on-exec)
   *  registered through cgroup.event_control against memory.oom_control. A read of 8 bytes
   *  returns at each OOM event there, and when the cgroup is removed. */
  oomEventFd(memoryCgroupDir: string): number;
  /** linux.netDevices: moves interface `name` from the network namespace file `fromNs` into the
   *  one of `toNs`, named `newName` there, with its global addresses and up if it was up
   *  (addon/node/netdev.cc). The error's syscall names the step that failed. */
  moveNetDevice(fromNs: string, name: string, toNs: string, newName: string): void;
  /** Keeps the namespace file `source` (e.g. /proc/PID/ns/net) alive by bind-mounting it on
   *  `target`, a new empty file. */
  pinNamespace(source: string, target: string): void;
  /** Undoes pinNamespace; a target already gone or not mounted is no error. */
  unpinNamespace(target: string): void;
  /** Writes all of `data` to a stream socket with `fds` sent (SCM_RIGHTS) with its first byte. */
  sendWithFds(socketFd: number, data: Buffer, fds: number[]): void;
  /** The compiled seccomp program for a profile's JSON text in the cache directory `dir` (made
   *  when missing), keyed by the text and by the files `madeBy` (addon/seccomp_cache.h): its fd on
   *  a hit; on a miss the directory's fd, where it may be trusted; null when a file of `madeBy`
   *  cannot be stat'ed. The fds are close-on-exec. */
  seccompCache(dir: string, madeBy: string[], profileText: string): { key: string; program: number; directory: number } | null;
  /** [begin, end) of each value along `path` (keys from the top) in the JSON text of an object, as
   *  JSON.parse reads it (the last of duplicate keys wins), null where that key is not there; null
   *  for the whole when the text is not well-formed, or an object on the path has a key written
   *  with an escape (addon/node/json_member.h). */
  jsonMemberSpans(text: string, path: string[]): ([number, number] | null)[] | null;
  /** Receive one fd sent with SCM_RIGHTS on a unix socket (blocking). */
  recvFd(socketFd: number): number;
  /** ioctl(TIOCSWINSZ). */
  setWindowSize(fd: number, rows: number, cols: number): void;
  /** cfmakeraw() on a terminal (input and output processing off, as runc does for `run -t`);
   *  returns the previous settings for restoreTerminal. */
  makeRaw(fd: number): Buffer;
  restoreTerminal(fd: number, saved: Buffer): void;
  /** V8's SetFlagsFromString, looked up with dlsym; false when this Node has no such symbol. */
  setV8Flags(flags: string): boolean;
  /** Passes every catchable signal but SIGCHLD, SIGPROF and SIGWINCH on to pid (through a pidfd,
   *  from a signal handler of the addon's) until stopForwarding(). */
  forwardSignals(pid: number): void;
  /** Drops forwarded signals from now on; the handlers stay, so they no longer kill tdrun. */
  stopForwarding(): void;
  /** execv(path, argv) with every signal blocked (the new program unblocks them once its handlers
   *  are in place) and `keepFds` no longer close-on-exec; returns only by throwing. */
  execInPlace(path: string, argv: string[], keepFds: number[]): never;
  /** Replaces the cgroup2 directory's device rules: loads a BPF_PROG_TYPE_CGROUP_DEVICE program
   *  that decides as cgroup v1 would with this default and these exceptions (the end state of
   *  src/cgroups/devices.ts's model), attaches it with BPF_F_ALLOW_MULTI and then detaches the
   *  device programs attached there before (addon/node/device_filter.cc). Returns the new
   *  program's id. */
  loadDeviceFilter(cgroupDir: string, rules: DeviceFilterRules): number;
  /** Detaches the device program `id` from the cgroup2 directory; one (or a cgroup) already gone
   *  is no error. */
  detachDeviceFilter(cgroupDir: string, id: number): void;
  /** Calls a system call tdrun relies on with arguments it rejects, doing nothing: returns the
   *  errno (ENOSYS = 38 when the kernel lacks it, EPERM = 1 when seccomp blocks it) or 0. */
  probeSyscall(name: 'pidfd_open' | 'clone3' | 'openat2' | 'mount_setattr' | 'open_tree'): number;
  /** _exit(2): no atexit handlers, no 'exit' event, no flushing of Node's streams. */
  exitNow(code: number): never;
}

let loaded: Native | undefined;

export function native(): Native {
  if (!loaded) {
    // process.dlopen rather than require(): the module resolution around it costs as much as
    // the dlopen itself, and the path is absolute already
    const module = { exports: {} };
    process.dlopen(module, addonPath);
    loaded = module.exports as Native;
  }
  return loaded;
}
