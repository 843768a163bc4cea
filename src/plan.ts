// config.json -> Plan (src/plan-types.ts): every name becomes the kernel's number, every path is
// resolved on the host, so tdrun-init only runs syscalls. Expects a config that loadConfig
// (src/spec/load.ts) accepted; what only the host can tell (a missing rootfs) is checked here.
import { realpathSync, statSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { TdrunError, errnoText } from './errors.ts';
import { debug, warn } from './log.ts';
import type { Plan, PlanCapabilities, PlanDevice, PlanHook, PlanMount, PlanProcess, PlanScheduler, PlanSeccomp } from './plan-types.ts';
import {
  CAPABILITIES,
  CLONE_NEW,
  EPERM,
  JOIN_ORDER,
  PROC_NS_NAME,
  RLIMITS,
  SECCOMP_ACTIONS,
  SECCOMP_FILTER_FLAGS,
  SECCOMP_OPERATORS,
  kernelHasCapability,
  MPOL_FLAGS,
  MPOL_MODES,
  PERSONALITY_FLAGS,
  SCHED_FLAGS,
  SCHED_POLICIES,
} from './spec/kernel.ts';
import { hostLsm } from './spec/lsm.ts';
import {
  MS,
  bindOptions,
  flagOptions,
  propagationOptions,
  idmapOptions,
  recursiveOptions,
} from './spec/mount-options.ts';
import { parseIdList } from './spec/rules.ts';
import type { Hook, IDMapping, LinuxNamespace, Mount, Process, Seccomp, SeccompAction, Spec, State } from './spec/types.ts';
import { type CgroupPlacement, UNIFIED } from './cgroups/setup.ts';

export interface CreatePlanOptions {
  id: string;
  bundle: string;
  execFifo: string;
  consoleSocket: string | null;
  consoleSocketFd: number;
  preserveFds: number;
  noPivot: boolean;
  noNewKeyring: boolean;
  cgroup: CgroupPlacement;
  /** tdrun runs rootless (src/rootless.ts): in a user namespace of its own even when the config
   *  asks for none (rootless podman's), where device nodes cannot be made either */
  rootless: boolean;
  /** linux.seccomp's entry in the compiled-program cache (src/seccomp-cache.ts) */
  seccompCache: PlanSeccomp['cache'];
  /** linux.intelRdt's tasks file (src/container/intel-rdt.ts); "" = none */
  resctrlTasks: string;
}

/** What a seccomp listener is told about the container: runtime.md's state, less the pid. */
export type ListenerState = Omit<State, 'pid'>;

export interface ExecPlanOptions {
  id: string;
  initPid: number;
  /** the container's namespaces (from its config) */
  namespaces: LinuxNamespace[];
  /** the container's linux.seccomp (runc filters exec'd processes with it too), and what its
   *  listener is told */
  seccomp?: { profile: Seccomp; state: ListenerState; cache: PlanSeccomp['cache'] };
  consoleSocket: string | null;
  consoleSocketFd: number;
  preserveFds: number;
  cgroup: CgroupPlacement;
  /** the container's resctrl tasks file, which exec'd processes join too; "" = none */
  resctrlTasks: string;
}

/** The placement as tdrun-init joins it (src/cgroups/setup.ts keys hierarchies; the plan splits by kind). */
function planCgroups(placement: CgroupPlacement): Pick<Plan, 'cgroupsV1' | 'cgroupV2'> {
  const { [UNIFIED]: v2, ...v1 } = placement.paths;
  return { cgroupsV1: Object.values(v1), cgroupV2: v2 ?? null };
}

const RLIM_INFINITY = (1n << 64n) - 1n;

/** JSON numbers above 2^53 arrive rounded; 2^64-1 (RLIM_INFINITY, or a seccomp mask of all ones)
 *  rounds up to 2^64. */
function u64String(n: number): string {
  const v = BigInt(n);
  return (v > RLIM_INFINITY ? RLIM_INFINITY : v).toString();
}

const warnedCapabilities = new Set<string>();

function capabilityNumbers(names: string[] | undefined): number[] {
  const numbers: number[] = [];
  for (const name of names ?? []) {
    // a name that is not a capability at all was refused by rules.ts
    const n = CAPABILITIES.indexOf(name);
    if (kernelHasCapability(n)) {
      if (!numbers.includes(n)) numbers.push(n);
    } else if (!warnedCapabilities.has(name)) {
      // runc ignores capabilities this kernel generation does not know, with a warning
      warnedCapabilities.add(name);
      warn(`capability ${name} is not known to this kernel, ignored`);
    }
  }
  return numbers;
}

/** Expects a process that processRules (src/spec/rules.ts) accepted: loadConfig's for create,
 *  checkProcess's (process.json) or commands/exec.ts's (flags) for exec. */
function compileProcess(process: Process): PlanProcess {
  const caps = process.capabilities;
  const capabilities: PlanCapabilities | null = caps
    ? {
        bounding: capabilityNumbers(caps.bounding),
        effective: capabilityNumbers(caps.effective),
        inheritable: capabilityNumbers(caps.inheritable),
        permitted: capabilityNumbers(caps.permitted),
        ambient: capabilityNumbers(caps.ambient),
      }
    : null;
  return {
    args: process.args ?? [],
    env: process.env ?? [],
    cwd: posix.normalize(process.cwd),
    uid: process.user?.uid ?? 0,
    gid: process.user?.gid ?? 0,
    umask: process.user?.umask ?? 0o022,
    additionalGids: process.user?.additionalGids ?? [],
    terminal: process.terminal ?? false,
    consoleSize: process.consoleSize ? { height: process.consoleSize.height, width: process.consoleSize.width } : null,
    capabilities,
    rlimits: (process.rlimits ?? []).map((r) => ({ type: RLIMITS[r.type], soft: u64String(r.soft), hard: u64String(r.hard) })),
    noNewPrivileges: process.noNewPrivileges ?? false,
    oomScoreAdj: process.oomScoreAdj ?? null,
    ioPriority: process.ioPriority ? (IOPRIO_CLASS[process.ioPriority.class] << 13) | (process.ioPriority.priority ?? 0) : null,
    personality: null,
    ...(process.scheduler ? { scheduler: schedulerAttr(process.scheduler) } : {}),
    ...execLabels(process),
  };
}

function schedulerAttr(s: NonNullable<Process['scheduler']>): PlanScheduler {
  return {
    policy: SCHED_POLICIES[s.policy],
    flags: (s.flags ?? []).reduce((bits, flag) => bits | SCHED_FLAGS[flag], 0),
    nice: s.nice ?? 0,
    priority: s.priority ?? 0,
    runtime: u64String(s.runtime ?? 0),
    deadline: u64String(s.deadline ?? 0),
    period: u64String(s.period ?? 0),
  };
}

/** The labels for the LSMs the host enforces (rules.ts refused a label whose LSM is not enabled).
 *  AppArmor's own attr directory: with another major LSM, attr/exec is not AppArmor's. */
function execLabels(process: Process): Pick<PlanProcess, 'execLabels'> {
  if (!process.apparmorProfile && !process.selinuxLabel) return {};
  const lsm = hostLsm();
  const labels: NonNullable<PlanProcess['execLabels']> = [];
  if (process.apparmorProfile && lsm.apparmor) labels.push({ file: 'apparmor/exec', label: `exec ${process.apparmorProfile}` });
  if (process.selinuxLabel && lsm.selinux) labels.push({ file: 'exec', label: process.selinuxLabel });
  for (const l of labels) debug(`LSM label: "${l.label}" to /proc/thread-self/attr/${l.file}`);
  return labels.length ? { execLabels: labels } : {};
}

/** process.execCPUAffinity for an exec'd process; config.md: not applicable to the container's init. */
function cpuAffinity(process: Process): Pick<PlanProcess, 'cpuAffinityInitial' | 'cpuAffinityFinal'> {
  const lists: Pick<PlanProcess, 'cpuAffinityInitial' | 'cpuAffinityFinal'> = {};
  const initial = parseIdList(process.execCPUAffinity?.initial ?? '');
  const final = parseIdList(process.execCPUAffinity?.final ?? '');
  if (initial?.length) lists.cpuAffinityInitial = initial;
  if (final?.length) lists.cpuAffinityFinal = final;
  return lists;
}

function memoryPolicyOf(linux: Spec['linux']): Pick<PlanProcess, 'memoryPolicy'> {
  const policy = linux?.memoryPolicy;
  if (!policy) return {};
  const mode = (policy.flags ?? []).reduce((bits, flag) => bits | MPOL_FLAGS[flag], MPOL_MODES[policy.mode]);
  return { memoryPolicy: { mode, nodes: parseIdList(policy.nodes ?? '') ?? [] } };
}

/** runc's SELinux mount labelling: a context= option on every filesystem mount that takes one
 *  (not bind mounts, proc, sysfs, mqueue, cgroup). Only where SELinux is enabled (rules.ts). */
function withMountLabel(m: PlanMount, label: string | undefined): PlanMount {
  if (!label || m.bind || ['proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2'].includes(m.type)) return m;
  return { ...m, data: [m.data, `context="${label}"`].filter(Boolean).join(',') };
}

const IOPRIO_CLASS = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const;
// <linux/personality.h>; the flags are in spec/kernel.ts, which the rules check them against
const PERSONALITY_DOMAIN = { LINUX: 0x0000, LINUX32: 0x0008 } as const;

function personalityValue(p: NonNullable<NonNullable<Spec['linux']>['personality']>): number {
  return (p.flags ?? []).reduce<number>((v, flag) => v | PERSONALITY_FLAGS[flag], PERSONALITY_DOMAIN[p.domain]);
}

/** Absolute, no "." or "..", no trailing "/". Relative destinations are taken from "/", as runc does. */
function cleanDestination(destination: string): string {
  const clean = posix.normalize(posix.join('/', destination));
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
}

/** Lines for /proc/PID/uid_map or gid_map. */
export function mapLines(mappings: IDMapping[] | undefined): string {
  return (mappings ?? []).map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** Expects a mount that mountOptions (rules.ts) accepted. `linux`: the container's
 *  uidMappings/gidMappings, which an idmap option without mappings of the mount's own takes. */
export function compileMount(m: Mount, bundle: string, linux: Spec['linux'] = {}): PlanMount {
  let flags = 0;
  let bind = m.type === 'bind';
  let recursive = false;
  let attrSet = 0;
  let attrClear = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let copyUp = false;
  let idmap: { recursive: boolean } | null = m.uidMappings?.length ? { recursive: false } : null;
  (m.options ?? []).forEach((option) => {
    const flag = flagOptions[option];
    const rec = recursiveOptions[option];
    if (flag) flags = (flags & ~flag.clear) | flag.set;
    else if (option === 'tmpcopyup') copyUp = true;
    else if (option in bindOptions) {
      bind = true;
      recursive ||= bindOptions[option].recursive;
    } else if (option in propagationOptions) propagation.push(propagationOptions[option]);
    else if (rec) {
      attrSet = (attrSet & ~rec.clear) | rec.set;
      attrClear = (attrClear & ~rec.set) | rec.clear;
    } else if (option in idmapOptions) idmap = idmapOptions[option];
    else data.push(option);
  });
  let source = m.source ?? '';
  let createAs: 'dir' | 'file' = 'dir';
  if (bind) {
    source = resolve(bundle, source);
    try {
      if (!statSync(source).isDirectory()) createAs = 'file';
    } catch {
      // a missing source is reported by tdrun-init with the mount it belongs to
    }
  }
  return {
    destination: cleanDestination(m.destination),
    source,
    type: bind ? '' : (m.type ?? ''),
    bind,
    recursive,
    flags,
    propagation,
    data: data.join(','),
    recursiveAttrSet: attrSet,
    recursiveAttrClear: attrClear,
    copyUp,
    createAs,
    idmapUids: idmap ? mapLines(m.uidMappings?.length ? m.uidMappings : linux?.uidMappings) : '',
    idmapGids: idmap ? mapLines(m.gidMappings?.length ? m.gidMappings : linux?.gidMappings) : '',
    idmapRecursive: idmap?.recursive ?? false,
  };
}

/** The device nodes every container gets (runc's); bound from the host in a user namespace. */
export const DEFAULT_DEVICES: readonly [string, number, number][] = [
  ['/dev/null', 1, 3],
  ['/dev/zero', 1, 5],
  ['/dev/full', 1, 7],
  ['/dev/random', 1, 8],
  ['/dev/urandom', 1, 9],
  ['/dev/tty', 5, 0],
];

function compileDevices(spec: Spec): PlanDevice[] {
  const byPath = new Map<string, PlanDevice>();
  for (const [path, major, minor] of DEFAULT_DEVICES) {
    byPath.set(path, { path, type: 'c', major, minor, mode: 0o666, uid: 0, gid: 0 });
  }
  for (const d of spec.linux?.devices ?? []) {
    byPath.set(d.path, {
      path: d.path,
      type: d.type,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      // fileMode may carry the S_IF* type bits too; mknod takes the type from `type`
      mode: (d.fileMode ?? 0o666) & 0o7777,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
    });
  }
  return [...byPath.values()];
}

function compileHooks(hooks: Hook[] | undefined): PlanHook[] {
  return (hooks ?? []).map((h) => ({
    path: h.path,
    // like Go's exec.Cmd, an empty argv runs the hook with its path as argv[0]
    args: h.args?.length ? h.args : [h.path],
    env: h.env ?? [],
    timeout: h.timeout ?? 0,
  }));
}

/** ERRNO and TRACE carry a number in the low 16 bits; runc's default for both is EPERM. */
function seccompAction(action: SeccompAction, errnoRet: number | undefined): number {
  const base = SECCOMP_ACTIONS[action];
  const data = action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE' ? (errnoRet ?? EPERM) : 0;
  return (base | data) >>> 0;
}

/** Expects a linux.seccomp that seccompProfile (src/spec/rules.ts) accepted. With the cached
 *  program (`cache.fd` "program") the rules and architectures, which only a compile needs, are
 *  left out: that is where a big profile's cost was. */
export function compileSeccomp(seccomp: Seccomp, state: ListenerState, cache: PlanSeccomp['cache']): PlanSeccomp {
  let listenerMessageHead = '';
  if (seccomp.listenerPath) {
    const message = {
      ociVersion: state.ociVersion,
      fds: ['seccompFd'],
      ...(seccomp.listenerMetadata ? { metadata: seccomp.listenerMetadata } : {}),
      state,
    };
    // state is the last member and an object: the text ends in "}}"
    listenerMessageHead = JSON.stringify(message).slice(0, -2);
  }
  const compiled = cache?.fd === 'program';
  return {
    defaultAction: seccompAction(seccomp.defaultAction, seccomp.defaultErrnoRet),
    architectures: compiled ? [] : (seccomp.architectures ?? []),
    flags: (seccomp.flags ?? []).reduce((bits, flag) => bits | SECCOMP_FILTER_FLAGS[flag], 0),
    rules: compiled ? [] : (seccomp.syscalls ?? []).map((rule) => ({
      names: rule.names,
      action: seccompAction(rule.action, rule.errnoRet),
      args: (rule.args ?? []).map((a) => ({
        index: a.index,
        value: u64String(a.value),
        valueTwo: u64String(a.valueTwo ?? 0),
        op: SECCOMP_OPERATORS[a.op],
      })),
    })),
    listenerPath: seccomp.listenerPath || null,
    listenerMessageHead,
    cache,
  };
}

function sortedNamespaces(namespaces: LinuxNamespace[]): LinuxNamespace[] {
  return [...namespaces].sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
}

function resolveRootfs(spec: Spec, bundle: string): string {
  // the schema and rootRequired (rules.ts) made sure there is one
  const path = spec.root!.path;
  let real: string;
  try {
    real = realpathSync(resolve(bundle, path));
  } catch (err) {
    throw new TdrunError(`root.path ${path}`, errnoText((err as NodeJS.ErrnoException).code ?? 'EINVAL'));
  }
  if (!statSync(real).isDirectory()) throw new TdrunError(`root.path ${path}`, errnoText('ENOTDIR'));
  return real;
}

export function compileCreatePlan(spec: Spec, opts: CreatePlanOptions): Plan {
  const bundle = resolve(opts.bundle);
  const namespaces = sortedNamespaces(spec.linux?.namespaces ?? []);
  let newNamespaces = 0;
  const joinNamespaces = [];
  for (const ns of namespaces) {
    if (ns.path) joinNamespaces.push({ type: CLONE_NEW[ns.type], path: ns.path });
    else newNamespaces |= CLONE_NEW[ns.type];
  }
  const hasUserns = namespaces.some((ns) => ns.type === 'user');
  const timeOffsets = Object.entries(spec.linux?.timeOffsets ?? {}).map(
    ([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}`,
  );
  const mounts = (spec.mounts ?? []).map((m) => withMountLabel(compileMount(m, bundle, spec.linux), spec.linux?.mountLabel));
  const hooks = spec.hooks ?? {};
  const rootfsPropagation = spec.linux?.rootfsPropagation;
  return {
    mode: 'create',
    id: opts.id,
    newNamespaces,
    joinNamespaces,
    timeOffsets,
    becomeRootInUserns: hasUserns,
    preserveFds: opts.preserveFds,
    consoleSocket: opts.consoleSocket,
    consoleSocketFd: opts.consoleSocketFd,
    process: spec.process
      ? {
          ...compileProcess(spec.process),
          personality: spec.linux?.personality ? personalityValue(spec.linux.personality) : null,
          ...memoryPolicyOf(spec.linux),
        }
      : null,
    ...planCgroups(opts.cgroup),
    resctrlTasks: opts.resctrlTasks,
    rootfs: resolveRootfs(spec, bundle),
    rootfsReadonly: spec.root?.readonly ?? false,
    rootfsPropagation: rootfsPropagation ? propagationOptions[rootfsPropagation] : MS.SLAVE | MS.REC,
    noPivot: opts.noPivot,
    mounts,
    devices: compileDevices(spec),
    bindDevices: hasUserns || opts.rootless,
    defaultDevSymlinks: !mounts.some((m) => m.destination === '/dev' && m.bind),
    maskedPaths: spec.linux?.maskedPaths ?? [],
    readonlyPaths: spec.linux?.readonlyPaths ?? [],
    hostname: spec.hostname || null,
    domainname: spec.domainname || null,
    sysctl: Object.entries(spec.linux?.sysctl ?? {}).map(([key, value]) => ({ key, value })),
    execFifo: opts.execFifo,
    newSessionKeyring: !opts.noNewKeyring,
    // tdrun moves linux.netDevices in while the init waits there, before the runtime hooks
    syncHooks:
      [hooks.prestart, hooks.createRuntime, hooks.createContainer, hooks.startContainer].some((h) => h?.length) ||
      Object.keys(spec.linux?.netDevices ?? {}).length > 0,
    hooks: { createContainer: compileHooks(hooks.createContainer), startContainer: compileHooks(hooks.startContainer) },
    seccomp: spec.linux?.seccomp
      ? compileSeccomp(spec.linux.seccomp, {
          ociVersion: spec.ociVersion,
          id: opts.id,
          status: 'creating',
          bundle,
          ...(spec.annotations ? { annotations: spec.annotations } : {}),
        }, opts.seccompCache)
      : null,
  };
}

export function compileExecPlan(process: Process, opts: ExecPlanOptions): Plan {
  const namespaces = sortedNamespaces(opts.namespaces);
  return {
    mode: 'exec',
    id: opts.id,
    newNamespaces: 0,
    // the init's own namespace files: the same namespaces whether the config created or joined them
    joinNamespaces: namespaces.map((ns) => ({
      type: CLONE_NEW[ns.type],
      path: `/proc/${opts.initPid}/ns/${PROC_NS_NAME[ns.type]}`,
    })),
    timeOffsets: [],
    becomeRootInUserns: namespaces.some((ns) => ns.type === 'user'),
    preserveFds: opts.preserveFds,
    consoleSocket: opts.consoleSocket,
    consoleSocketFd: opts.consoleSocketFd,
    process: { ...compileProcess(process), ...cpuAffinity(process) },
    ...planCgroups(opts.cgroup),
    resctrlTasks: opts.resctrlTasks,
    rootfs: '',
    rootfsReadonly: false,
    rootfsPropagation: 0,
    noPivot: false,
    mounts: [],
    devices: [],
    bindDevices: false,
    defaultDevSymlinks: false,
    maskedPaths: [],
    readonlyPaths: [],
    hostname: null,
    domainname: null,
    sysctl: [],
    execFifo: '',
    newSessionKeyring: false,
    syncHooks: false,
    hooks: { createContainer: [], startContainer: [] },
    seccomp: opts.seccomp ? compileSeccomp(opts.seccomp.profile, opts.seccomp.state, opts.seccomp.cache) : null,
  };
}
