// Cross-field rules of config.json: what the schema cannot say because it relates fields, or
// because tdrun (like runc) refuses a shape the spec allows. Each rule is a named function that
// returns problems, so tests can exercise it alone; `pointer` is the JSON pointer of the field
// to blame. A warning lets the config run (as runc would) and is printed; an error stops create.
import { posix } from 'node:path';
import type { Hook, LinuxNamespace, Mount, NamespaceType, Process, Spec } from './types.ts';
import { CAPABILITIES, PERSONALITY_FLAGS, PROC_NS_NAME, RLIMITS } from './kernel.ts';
import { hostLsm, type LsmState } from './lsm.ts';
import { idmapOptions } from './mount-options.ts';
import { sameFile } from '../files.ts';

export interface Problem {
  pointer: string;
  message: string;
  warning?: boolean;
}

export interface RuleContext {
  /** --no-pivot */
  noPivot: boolean;
  /** linux.seccomp's compiled program is cached: this very text passed the schema and
   *  seccompProfile before, with this build (src/container/create.ts says why that holds) */
  seccompPassed?: boolean;
}

export type Rule = (spec: Spec, ctx: RuleContext) => Problem[];

function namespaceOf(spec: Spec, type: NamespaceType): LinuxNamespace | undefined {
  return spec.linux?.namespaces?.find((ns) => ns.type === type);
}

function hasNewNamespace(spec: Spec, type: NamespaceType): boolean {
  const ns = namespaceOf(spec, type);
  return ns !== undefined && !ns.path;
}

/** A namespace of the container's own: new, or joined by a path that is not tdrun's own namespace
 *  (a missing path is reported when it is joined, with the errno). */
function hasOwnNamespace(spec: Spec, type: NamespaceType, procName: string): boolean {
  const ns = namespaceOf(spec, type);
  if (!ns) return false;
  return !ns.path || !sameFile(ns.path, `/proc/self/ns/${procName}`);
}

export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function ociVersion(spec: Spec): Problem[] {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(spec.ociVersion);
  if (!m) return [{ pointer: '/ociVersion', message: `"${spec.ociVersion}" is not a version (x.y.z)` }];
  if (m[1] !== '1') {
    return [{ pointer: '/ociVersion', message: `version ${spec.ociVersion} is not supported (tdrun implements 1.x)` }];
  }
  return [];
}

// process is not: config.md requires it only when `start` is called (container/start.ts checks)
export function rootRequired(spec: Spec): Problem[] {
  return spec.root ? [] : [{ pointer: '/root', message: 'is required' }];
}

export function processArgs(spec: Spec): Problem[] {
  if (spec.process && !spec.process.args?.length) {
    return [{ pointer: '/process/args', message: 'must not be empty' }];
  }
  return [];
}

export function processCwd(spec: Spec): Problem[] {
  if (spec.process && !posix.isAbsolute(spec.process.cwd)) {
    return [{ pointer: '/process/cwd', message: `"${spec.process.cwd}" is not an absolute path` }];
  }
  return [];
}

export function processUser(spec: Spec): Problem[] {
  if (spec.process?.user?.username) {
    return [{ pointer: '/process/user/username', message: 'user names are not resolved; give uid and gid' }];
  }
  return [];
}

export function capabilityNames(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const caps = spec.process?.capabilities ?? {};
  for (const [set, names] of Object.entries(caps)) {
    if (!Array.isArray(names)) continue;
    names.forEach((name: string, i: number) => {
      // one that this kernel lacks is only a warning (plan.ts): engines' lists name newer ones
      if (!CAPABILITIES.includes(name)) {
        problems.push({ pointer: `/process/capabilities/${set}/${i}`, message: `"${name}" is not a capability` });
      }
    });
  }
  return problems;
}

export function rlimitTypes(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  (spec.process?.rlimits ?? []).forEach((r, i) => {
    if (!(r.type in RLIMITS)) problems.push({ pointer: `/process/rlimits/${i}/type`, message: `unknown rlimit ${r.type}` });
    else if (seen.has(r.type)) problems.push({ pointer: `/process/rlimits/${i}/type`, message: `${r.type} listed twice` });
    else if (r.soft > r.hard) {
      problems.push({ pointer: `/process/rlimits/${i}/soft`, message: `${r.type} soft limit is above the hard limit` });
    }
    seen.add(r.type);
  });
  return problems;
}

export function mountNamespaceRequired(spec: Spec): Problem[] {
  // without one, pivot_root and every mount would happen in tdrun's own mount namespace
  if (!spec.linux?.namespaces?.some((ns) => ns.type === 'mount')) {
    return [{ pointer: '/linux/namespaces', message: "a container without a mount namespace is not supported: its rootfs mounts and pivot_root would change the host's mounts" }];
  }
  return [];
}

export function duplicateNamespaces(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    if (seen.has(ns.type)) problems.push({ pointer: `/linux/namespaces/${i}/type`, message: `namespace "${ns.type}" listed twice` });
    seen.add(ns.type);
  });
  return problems;
}

export function namespacePaths(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    if (ns.path !== undefined && !posix.isAbsolute(ns.path)) {
      problems.push({ pointer: `/linux/namespaces/${i}/path`, message: `"${ns.path}" is not an absolute path` });
    }
  });
  return problems;
}

export function userNamespaceMappings(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  const newUserns = hasNewNamespace(spec, 'user');
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const mappings = spec.linux?.[key] ?? [];
    if (mappings.length && !newUserns) {
      problems.push({ pointer: `/linux/${key}`, message: 'id mappings need a new user namespace' });
    } else if (newUserns && !mappings.length) {
      problems.push({ pointer: `/linux/${key}`, message: 'a new user namespace needs id mappings' });
    }
    mappings.forEach((m, i) => {
      if (m.size === 0) problems.push({ pointer: `/linux/${key}/${i}/size`, message: 'must not be 0' });
    });
  }
  return problems;
}

export function timeOffsets(spec: Spec): Problem[] {
  const offsets = spec.linux?.timeOffsets;
  if (!offsets || !Object.keys(offsets).length) return [];
  if (!hasNewNamespace(spec, 'time')) {
    return [{ pointer: '/linux/timeOffsets', message: 'time offsets need a new time namespace' }];
  }
  const problems: Problem[] = [];
  for (const [clock, offset] of Object.entries(offsets)) {
    if (clock !== 'monotonic' && clock !== 'boottime') {
      problems.push({ pointer: `/linux/timeOffsets/${escapePointer(clock)}`, message: `unknown clock (monotonic or boottime)` });
    } else if ((offset.nanosecs ?? 0) > 999999999) {
      problems.push({ pointer: `/linux/timeOffsets/${clock}/nanosecs`, message: 'must be below 1000000000' });
    }
  }
  return problems;
}

export function mountDestinations(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    const pointer = `/mounts/${i}/destination`;
    if (m.destination === '') problems.push({ pointer, message: 'must not be empty' });
    else if (!posix.isAbsolute(m.destination)) {
      problems.push({ pointer, warning: true, message: `"${m.destination}" is relative; taken as "/${m.destination}"` });
    }
  });
  return problems;
}

export function mountOptions(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    const bind = m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    const copyUp = (m.options ?? []).indexOf('tmpcopyup');
    if (copyUp >= 0 && (bind || m.type !== 'tmpfs')) {
      problems.push({ pointer: `/mounts/${i}/options/${copyUp}`, message: 'tmpcopyup applies to tmpfs mounts only' });
    }
    if (bind && !m.source) problems.push({ pointer: `/mounts/${i}/source`, message: 'a bind mount needs a source' });
    if (!bind && !m.type) problems.push({ pointer: `/mounts/${i}/type`, message: 'is required for a mount that is not a bind mount' });
    problems.push(...idmappedMount(spec, m, i, bind));
  });
  return problems;
}

/** config.md's mounts uidMappings/gidMappings and the idmap/ridmap options. As runc: bind mounts
 *  only, both mappings or none, and an idmap option without mappings of its own takes the
 *  container's user namespace mappings. */
function idmappedMount(spec: Spec, m: Mount, i: number, bind: boolean): Problem[] {
  const option = (m.options ?? []).findIndex((o) => o in idmapOptions);
  const mapped = !!(m.uidMappings?.length || m.gidMappings?.length);
  if (option < 0 && !mapped) return [];
  const at = option >= 0 ? `/mounts/${i}/options/${option}` : `/mounts/${i}/${m.uidMappings?.length ? 'uidMappings' : 'gidMappings'}`;
  if (!bind) return [{ pointer: at, message: 'an idmapped mount must be a bind mount' }];
  if (mapped && !(m.uidMappings?.length && m.gidMappings?.length)) {
    const missing = m.uidMappings?.length ? 'gidMappings' : 'uidMappings';
    return [{ pointer: `/mounts/${i}/${missing}`, message: 'an idmapped mount needs both uidMappings and gidMappings' }];
  }
  if (!mapped && !(spec.linux?.uidMappings?.length && spec.linux?.gidMappings?.length)) {
    return [{ pointer: at, message: `"${m.options![option]}" without mappings of the mount's own takes the user namespace's, and the config has none` }];
  }
  const problems: Problem[] = [];
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    (m[key] ?? []).forEach((mapping, j) => {
      if (mapping.size === 0) problems.push({ pointer: `/mounts/${i}/${key}/${j}/size`, message: 'must not be 0' });
    });
  }
  return problems;
}

export function noPivotPropagation(spec: Spec, ctx: RuleContext): Problem[] {
  const p = spec.linux?.rootfsPropagation;
  if (ctx.noPivot && (p === 'private' || p === 'rprivate')) {
    // Without pivot_root the host's root stays reachable under the chroot; a private rootfs
    // would let mounts made there escape the propagation tdrun relies on to clean them up.
    return [{ pointer: '/linux/rootfsPropagation', message: `"${p}" is not safe without pivot_root (--no-pivot)` }];
  }
  return [];
}

const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** The namespace that isolates a sysctl, or null when it is host-wide (no namespace can hold it). */
export function sysctlNamespace(key: string): 'ipc' | 'network' | 'uts' | null {
  if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) return 'ipc';
  if (key.startsWith('net.')) return 'network';
  if (key === 'kernel.hostname' || key === 'kernel.domainname') return 'uts';
  return null;
}

export function sysctlNamespaces(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const pointer = `/linux/sysctl/${escapePointer(key)}`;
    const type = sysctlNamespace(key);
    if (type === null) problems.push({ pointer, message: 'not in a namespace of the container: it would change the host' });
    else if (!hasOwnNamespace(spec, type, PROC_NS_NAME[type])) problems.push({ pointer, message: `needs ${type === 'ipc' ? 'an' : 'a'} ${type} namespace of the container` });
  }
  return problems;
}

export function hostnameNeedsUts(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['hostname', 'domainname'] as const) {
    if (spec[key] && !hasOwnNamespace(spec, 'uts', 'uts')) {
      problems.push({ pointer: `/${key}`, message: `setting the ${key} needs a uts namespace of the container` });
    }
  }
  return problems;
}

export function cgroupsPath(spec: Spec): Problem[] {
  const path = spec.linux?.cgroupsPath;
  if (path === undefined) return [];
  const pointer = '/linux/cgroupsPath';
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return [{ pointer, message: `"${path}" does not name a cgroup` }];
  if (parts.some((p) => p === '.' || p === '..')) {
    return [{ pointer, message: `"${path}" must not contain "." or ".." components` }];
  }
  return [];
}

export function devicePaths(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  (spec.linux?.devices ?? []).forEach((d, i) => {
    const clean = posix.normalize(d.path);
    if (!d.path.startsWith('/dev/') || clean !== d.path || clean === '/dev/') {
      problems.push({ pointer: `/linux/devices/${i}/path`, message: `"${d.path}" is not a clean path under /dev` });
    }
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) {
      problems.push({ pointer: `/linux/devices/${i}`, message: `a "${d.type}" device needs major and minor` });
    }
  });
  return problems;
}

export function absolutePaths(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['maskedPaths', 'readonlyPaths'] as const) {
    (spec.linux?.[key] ?? []).forEach((p, i) => {
      if (!posix.isAbsolute(p)) problems.push({ pointer: `/linux/${key}/${i}`, message: `"${p}" is not an absolute path` });
    });
  }
  for (const [kind, hooks] of Object.entries(spec.hooks ?? {}) as [string, Hook[] | undefined][]) {
    (hooks ?? []).forEach((h, i) => {
      if (!posix.isAbsolute(h.path)) problems.push({ pointer: `/hooks/${kind}/${i}/path`, message: `"${h.path}" is not an absolute path` });
    });
  }
  return problems;
}

const ERRNO_ACTIONS = ['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE'];

/** linux.seccomp beyond the schema. What only libseccomp and the kernel can judge (architectures,
 *  flags, syscall names) tdrun-init reports: an unknown syscall name is skipped with a warning. */
export function seccompProfile(spec: Spec, ctx: RuleContext): Problem[] {
  const seccomp = spec.linux?.seccomp;
  if (!seccomp) return [];
  // Passed before, it can have no error; its one warning needs a listener. Returning here leaves
  // the syscalls unread: src/spec/load.ts parses them only when they are read.
  if (ctx.seccompPassed && !seccomp.listenerPath) return [];
  const problems: Problem[] = [];
  const at = (pointer: string, message: string, warning = false) =>
    problems.push({ pointer: `/linux/seccomp${pointer}`, message, ...(warning ? { warning } : {}) });
  // tdrun-init's own syscalls after the filter goes on would wait for a listener that has no fd yet
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') at('/defaultAction', 'SCMP_ACT_NOTIFY cannot be the default action');
  // the kernel keeps 16 bits of an errno or tracer value
  if (seccomp.defaultErrnoRet !== undefined) {
    if (!ERRNO_ACTIONS.includes(seccomp.defaultAction)) at('/defaultErrnoRet', 'only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE');
    else if (seccomp.defaultErrnoRet > 0xffff) at('/defaultErrnoRet', 'must be at most 65535');
  }
  if (seccomp.listenerPath && !posix.isAbsolute(seccomp.listenerPath)) {
    at('/listenerPath', `"${seccomp.listenerPath}" is not an absolute path`);
  }
  let notifies = false;
  (seccomp.syscalls ?? []).forEach((rule, i) => {
    if (rule.errnoRet !== undefined) {
      if (!ERRNO_ACTIONS.includes(rule.action)) at(`/syscalls/${i}/errnoRet`, 'only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE');
      else if (rule.errnoRet > 0xffff) at(`/syscalls/${i}/errnoRet`, 'must be at most 65535');
    }
    (rule.args ?? []).forEach((arg, j) => {
      if (arg.index > 5) at(`/syscalls/${i}/args/${j}/index`, 'a syscall has arguments 0 to 5');
    });
    if (rule.action !== 'SCMP_ACT_NOTIFY') return;
    notifies = true;
    if (!seccomp.listenerPath) at(`/syscalls/${i}/action`, 'SCMP_ACT_NOTIFY needs /linux/seccomp/listenerPath');
    // tdrun-init sends the notify fd with sendmsg once the filter is on
    const j = rule.names.indexOf('sendmsg');
    if (j >= 0) at(`/syscalls/${i}/names/${j}`, 'SCMP_ACT_NOTIFY on sendmsg would block the sending of the notify fd to the listener');
  });
  if (seccomp.listenerPath && !notifies) at('/listenerPath', 'no syscall has the action SCMP_ACT_NOTIFY: the listener gets nothing', true);
  if (seccomp.flags?.includes('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV') && !notifies) {
    at(`/flags/${seccomp.flags.indexOf('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV')}`, 'needs a syscall with the action SCMP_ACT_NOTIFY');
  }
  return problems;
}

/** linux.personality flags by their kernel names; ioprio's priority levels are 0 (highest) to 7. */
export function personalityAndIoPriority(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  (spec.linux?.personality?.flags ?? []).forEach((flag, i) => {
    if (!(flag in PERSONALITY_FLAGS)) problems.push({ pointer: `/linux/personality/flags/${i}`, message: `unknown personality flag "${flag}"` });
  });
  const priority = spec.process?.ioPriority?.priority;
  if (priority !== undefined && (priority < 0 || priority > 7)) {
    problems.push({ pointer: '/process/ioPriority/priority', message: 'must be from 0 (highest) to 7' });
  }
  return problems;
}

/** A cpu or node list as cpuset files write it ("0-3,7"), or null when `text` is not one. Spaces
 *  around the items are allowed, as the schema's pattern allows them. */
export function parseIdList(text: string): number[] | null {
  const ids = new Set<number>();
  if (text.trim() === '') return [];
  for (const item of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(item);
    if (!m) return null;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || last >= MAX_ID) return null;
    for (let id = first; id <= last; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

// the kernel's largest NR_CPUS and MAX_NUMNODES configurations
const MAX_ID = 8192;

const REALTIME = ['SCHED_FIFO', 'SCHED_RR'];

/** process.scheduler as sched_setattr(2) takes it: priorities only for the realtime policies,
 *  runtime <= deadline <= period for SCHED_DEADLINE. What only the kernel can judge (SCHED_ISO,
 *  admission control, util clamping) it reports, with the field named. */
export function processScheduler(spec: Spec): Problem[] {
  const s = spec.process?.scheduler;
  if (!s) return [];
  const problems: Problem[] = [];
  const at = (field: string, message: string, warning = false) =>
    problems.push({ pointer: `/process/scheduler/${field}`, message, ...(warning ? { warning } : {}) });
  if (REALTIME.includes(s.policy)) {
    if (s.priority === undefined || s.priority < 1 || s.priority > 99) at('priority', `must be from 1 to 99 for ${s.policy}`);
  } else if (s.priority) {
    at('priority', `only SCHED_FIFO and SCHED_RR have a priority (${s.policy} needs 0)`);
  }
  if (s.nice && (REALTIME.includes(s.policy) || s.policy === 'SCHED_DEADLINE')) {
    at('nice', `has no effect under ${s.policy} (the kernel keeps it for a later fair policy)`, true);
  }
  if (s.policy === 'SCHED_DEADLINE') {
    const runtime = s.runtime ?? 0;
    const deadline = s.deadline ?? 0;
    const period = s.period || deadline;
    // the kernel's DL_SCALE: a runtime under 2^10 ns cannot be accounted
    if (runtime < 1024) at('runtime', 'SCHED_DEADLINE needs a runtime of at least 1024 ns');
    else if (deadline < runtime) at('deadline', 'SCHED_DEADLINE needs runtime <= deadline');
    else if (period < deadline) at('period', 'SCHED_DEADLINE needs deadline <= period');
    // the scheduler is set before they run, and the kernel refuses fork() to a deadline task
    if (spec.hooks?.startContainer?.length && !s.flags?.includes('SCHED_FLAG_RESET_ON_FORK')) {
      at('policy', 'SCHED_DEADLINE cannot fork the startContainer hooks: add SCHED_FLAG_RESET_ON_FORK');
    }
  } else {
    for (const field of ['runtime', 'deadline', 'period'] as const) {
      if (s[field]) at(field, `applies to SCHED_DEADLINE only, not ${s.policy}`);
    }
  }
  return problems;
}

/** process.execCPUAffinity: cpu lists. */
export function execCpuAffinity(spec: Spec): Problem[] {
  const affinity = spec.process?.execCPUAffinity;
  const problems: Problem[] = [];
  for (const field of ['initial', 'final'] as const) {
    const list = affinity?.[field];
    if (list !== undefined && parseIdList(list) === null) {
      problems.push({ pointer: `/process/execCPUAffinity/${field}`, message: `"${list}" is not a cpu list (e.g. "0-3,7", cpus below ${MAX_ID})` });
    }
  }
  return problems;
}

const NODELESS_MODES = ['MPOL_DEFAULT', 'MPOL_LOCAL'];
const NODE_MODES = ['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY'];

/** linux.memoryPolicy as set_mempolicy(2) takes it; which nodes exist and which flags go with
 *  which mode on this kernel, the kernel judges. */
export function memoryPolicy(spec: Spec): Problem[] {
  const policy = spec.linux?.memoryPolicy;
  if (!policy) return [];
  const problems: Problem[] = [];
  const nodes = parseIdList(policy.nodes ?? '');
  if (nodes === null) problems.push({ pointer: '/linux/memoryPolicy/nodes', message: `"${policy.nodes}" is not a node list (e.g. "0-3,7")` });
  else if (nodes.length && NODELESS_MODES.includes(policy.mode)) {
    problems.push({ pointer: '/linux/memoryPolicy/nodes', message: `${policy.mode} takes no nodes` });
  } else if (!nodes.length && NODE_MODES.includes(policy.mode)) {
    problems.push({ pointer: '/linux/memoryPolicy/nodes', message: `${policy.mode} needs nodes` });
  }
  const flags = policy.flags ?? [];
  if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES')) {
    problems.push({ pointer: `/linux/memoryPolicy/flags/${flags.indexOf('MPOL_F_RELATIVE_NODES')}`, message: 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other' });
  }
  return problems;
}

/** LSM labels are applied where their LSM is enabled. Where it is not, runc 1.1 fails the same
 *  config at init (measured on a host without an LSM: an AppArmor profile dies writing
 *  /proc/self/attr/exec with EINVAL, an SELinux label is refused by its validator, a mount label
 *  makes every mount fail with EINVAL); tdrun refuses it at once, saying why. */
export function lsmLabels(spec: Spec, _ctx?: RuleContext, lsm?: LsmState): Problem[] {
  const problems: Problem[] = [];
  // the host is asked only when a label is set: nothing more to read for every other config
  if (!spec.process?.apparmorProfile && !spec.process?.selinuxLabel && !spec.linux?.mountLabel) return problems;
  const host = lsm ?? hostLsm();
  if (spec.process?.apparmorProfile && !host.apparmor) {
    problems.push({ pointer: '/process/apparmorProfile', message: 'AppArmor is not enabled on this host' });
  }
  if (spec.process?.selinuxLabel && !host.selinux) {
    problems.push({ pointer: '/process/selinuxLabel', message: 'SELinux is not enabled on this host' });
  }
  if (spec.linux?.mountLabel && !host.selinux) {
    problems.push({ pointer: '/linux/mountLabel', message: 'SELinux is not enabled on this host' });
  }
  return problems;
}

/** The kernel's rule for interface names (dev_valid_name): 1 to 15 bytes, not "." or "..", no
 *  "/", ":" or white space. */
function validInterfaceName(name: string): boolean {
  return name !== '.' && name !== '..' && Buffer.byteLength(name) >= 1 && Buffer.byteLength(name) <= 15 && !/[/:\s]/.test(name);
}

/** config-linux.md "Network Devices": interfaces moved into the container's network namespace,
 *  which it must have (new or joined, as runc), each under a valid name no other one takes. */
export function netDevices(spec: Spec): Problem[] {
  const devices = spec.linux?.netDevices;
  if (!devices || !Object.keys(devices).length) return [];
  if (!(spec.linux?.namespaces ?? []).some((ns) => ns.type === 'network')) {
    return [{ pointer: '/linux/netDevices', message: 'moving network devices needs a network namespace in /linux/namespaces' }];
  }
  const problems: Problem[] = [];
  const taken = new Map<string, string>();
  for (const [host, device] of Object.entries(devices)) {
    const at = `/linux/netDevices/${escapePointer(host)}`;
    if (!validInterfaceName(host)) problems.push({ pointer: at, message: `"${host}" is not a valid interface name` });
    const name = device?.name || host;
    if (device?.name !== undefined && !validInterfaceName(device.name)) {
      problems.push({ pointer: `${at}/name`, message: `"${device.name}" is not a valid interface name` });
    } else if (taken.has(name)) {
      problems.push({ pointer: device?.name ? `${at}/name` : at, message: `"${name}" is also the name of ${taken.get(name)} in the container` });
    }
    taken.set(name, host);
  }
  return problems;
}

/** config-linux.md "IntelRdt": closID names a resctrl group, a directory below the resctrl mount.
 *  Whether the host has resctrl at all is asked at create (src/container/intel-rdt.ts). */
export function intelRdt(spec: Spec): Problem[] {
  const closID = spec.linux?.intelRdt?.closID;
  if (closID === undefined || closID === '') return [];
  if (closID === '.' || closID === '..' || closID.includes('/') || closID.includes('\n')) {
    return [{ pointer: '/linux/intelRdt/closID', message: `"${closID}" is not a resctrl group name` }];
  }
  return [];
}

/** Every rule `loadConfig` runs, in the order problems are reported. */
export const rules: readonly Rule[] = [
  ociVersion,
  rootRequired,
  processArgs,
  processCwd,
  processUser,
  capabilityNames,
  rlimitTypes,
  mountNamespaceRequired,
  duplicateNamespaces,
  namespacePaths,
  userNamespaceMappings,
  timeOffsets,
  mountDestinations,
  mountOptions,
  noPivotPropagation,
  sysctlNamespaces,
  hostnameNeedsUts,
  cgroupsPath,
  devicePaths,
  absolutePaths,
  seccompProfile,
  personalityAndIoPriority,
  processScheduler,
  execCpuAffinity,
  memoryPolicy,
  lsmLabels,
  netDevices,
  intelRdt,
];

export function checkRules(spec: Spec, ctx: RuleContext): Problem[] {
  return rules.flatMap((rule) => rule(spec, ctx));
}

/** The rules about process alone, for an exec's process.json (pointers start with /process). */
export function processRules(process: Process): Problem[] {
  const spec: Spec = { ociVersion: '1.3.0', process };
  const ctx: RuleContext = { noPivot: false };
  const list: Rule[] = [processArgs, processCwd, processUser, capabilityNames, rlimitTypes, processScheduler, execCpuAffinity, lsmLabels];
  return list.flatMap((rule) => rule(spec, ctx));
}

/** processRules with pointers relative to the process, as exec's messages give them. */
export function processProblems(process: Process): Problem[] {
  return processRules(process).map((p) => ({ ...p, pointer: p.pointer.replace(/^\/process/, '') }));
}
