// Every rule of `tdrun audit`, in one table: its stable id, severity, why it matters and the fix.
// Three kinds: `config` rules judge config.json, `rootfs` rules judge the files of the root
// filesystem (fed one entry at a time by src/audit/rootfs.ts), `live` rules judge what the
// processes of a running container really hold (src/audit/live.ts) against its config.
// Ids never change meaning; a retired rule's id is not reused. The severities follow the CIS
// Docker Benchmark's container-runtime section and docker-bench-security: high = a way out of the
// container or onto the host, medium = a missing layer of defence, low = hygiene.
import { posix } from 'node:path';
import { realpathSync, statSync } from 'node:fs';
import { deviceState } from '../cgroups/devices.ts';
import { DEFAULT_DEVICES } from '../plan.ts';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from '../spec/default-config.ts';
import { CAPABILITIES, PROC_NS_NAME } from '../spec/kernel.ts';
import { checkRules, escapePointer, sysctlNamespace } from '../spec/rules.ts';
import { sameFile } from '../files.ts';
import type { Capabilities, Mount, NamespaceType, Spec } from '../spec/types.ts';

export type Severity = 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/** Where a finding points and what exactly it found; the rule supplies the rest. */
export interface Hit {
  /** JSON pointer into config.json */
  pointer?: string;
  /** a path in the rootfs (as the container sees it) or on the host (/proc/PID/...) */
  path?: string;
  detail?: string;
}

interface RuleText {
  id: string;
  severity: Severity;
  title: string;
  /** why it matters, one sentence */
  why: string;
  /** the config change (or image change) that fixes it */
  fix: string;
}

export interface ConfigRule extends RuleText {
  kind: 'config';
  check(spec: Spec, bundle: string): Hit[];
}

/** One file or directory of the rootfs, never a symlink followed. */
export interface RootfsEntry {
  /** the path as the container sees it */
  path: string;
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  size: number;
  /** the first 4 KiB of a small regular file, null when the scan does not read it */
  head(): string | null;
}

export interface RootfsScan {
  /** /etc/passwd, when it is a regular file */
  passwd: string | null;
  /** why the scan stopped early, null when it saw everything */
  truncated: string | null;
}

export interface RootfsRule extends RuleText {
  kind: 'rootfs';
  entry?(e: RootfsEntry): Hit | null;
  whole?(scan: RootfsScan): Hit[];
}

export const CAP_SETS = ['effective', 'permitted', 'bounding', 'inheritable', 'ambient'] as const;
export type CapSet = (typeof CAP_SETS)[number];

/** A process of a running container as the host sees it in /proc. */
export interface LiveProcess {
  pid: number;
  command: string;
  /** effective uid on the host */
  euid: number;
  /** /proc/PID/uid_map, lines joined by ", " ("0 0 4294967295": the host's own ids) */
  uidMap: string;
  caps: Record<CapSet, string[]>;
  /** /proc/PID/status Seccomp: 0 off, 1 strict, 2 filter */
  seccomp: number;
  noNewPrivs: boolean;
  /** namespace name under /proc/PID/ns -> its link text ("pid:[4026531836]") */
  ns: Record<string, string>;
}

export interface LiveMount {
  mountpoint: string;
  fstype: string;
  writable: boolean;
}

export interface LiveContainer {
  /** config.json as the container was created (process from the state record) */
  spec: Spec;
  processes: LiveProcess[];
  /** the host's namespaces (hostNamespacePath) as link texts */
  hostNs: Record<string, string>;
  /** the init's mounts (its /proc/PID/mountinfo) */
  mounts: LiveMount[];
  /** limits in force in the container's cgroups; null = unlimited */
  limits: { memory: number | null; pids: number | null };
}

export interface LiveRule extends RuleText {
  kind: 'live';
  check(c: LiveContainer): Hit[];
}

export type Rule = ConfigRule | RootfsRule | LiveRule;

// ---- helpers the rules share ------------------------------------------------------------------

/** Docker's, containerd's and podman's default capability set: anything beyond it was asked for. */
const ENGINE_DEFAULT_CAPS = new Set([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]);

/** Capabilities with a known way out of a container or onto the host's kernel. */
const DANGEROUS_CAPS = new Set([
  'CAP_SYS_ADMIN', 'CAP_SYS_MODULE', 'CAP_SYS_PTRACE', 'CAP_SYS_RAWIO', 'CAP_SYS_BOOT', 'CAP_SYS_TIME', 'CAP_NET_ADMIN',
  'CAP_DAC_READ_SEARCH', 'CAP_BPF', 'CAP_PERFMON', 'CAP_MAC_ADMIN', 'CAP_MAC_OVERRIDE', 'CAP_SYSLOG',
]);

/** Each capability of the config once, with the pointer of its first appearance. */
function grantedCaps(caps: Capabilities | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const set of CAP_SETS) {
    (caps?.[set] ?? []).forEach((name, i) => {
      if (!out.has(name)) out.set(name, `/process/capabilities/${set}/${i}`);
    });
  }
  return out;
}

function addedCaps(spec: Spec, dangerous: boolean): Hit[] {
  return [...grantedCaps(spec.process?.capabilities)]
    .filter(([name]) => !ENGINE_DEFAULT_CAPS.has(name) && DANGEROUS_CAPS.has(name) === dangerous)
    .map(([name, pointer]) => ({ pointer, detail: name }));
}

function hasNewNamespace(spec: Spec, type: NamespaceType): boolean {
  return (spec.linux?.namespaces ?? []).some((ns) => ns.type === type && !ns.path);
}

/** The host's namespace of a kind: PID 1's; where PID 1 cannot be inspected (a sandbox that
 *  hides it, EACCES even for root) the runtime's own, which is what a container shares when its
 *  config has none of that kind. */
export function hostNamespacePath(name: string): string {
  try {
    statSync(`/proc/1/ns/${name}`);
    return `/proc/1/ns/${name}`;
  } catch {
    return `/proc/self/ns/${name}`;
  }
}

/** The namespace of `type` is the host's: not in the config, or joined by a path that is the
 *  host's own (hostNamespacePath). */
function hostNamespace(spec: Spec, type: NamespaceType): Hit[] {
  const list = spec.linux?.namespaces ?? [];
  const i = list.findIndex((ns) => ns.type === type);
  if (i < 0) return [{ pointer: '/linux/namespaces', detail: `no ${type} namespace: the host's is shared` }];
  const path = list[i].path;
  const name = PROC_NS_NAME[type];
  // PID 1's namespace is the host's even where this sandbox hides it from us
  if (path && (posix.normalize(path) === `/proc/1/ns/${name}` || sameFile(path, hostNamespacePath(name)))) {
    return [{ pointer: `/linux/namespaces/${i}/path`, detail: `${path} is the host's ${type} namespace` }];
  }
  return [];
}

function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

function isWritable(m: Mount): boolean {
  // the last of ro/rw wins, as mount(8) reads them
  const last = (m.options ?? []).filter((o) => o === 'ro' || o === 'rw').pop();
  return last !== 'ro';
}

/** The host paths a bind's source names: as written (normalized) and, when it exists, with its
 *  symlinks resolved (/var/run -> /run). Relative sources are relative to the bundle. */
function hostPaths(source: string, bundle: string): string[] {
  const written = posix.resolve(bundle, source);
  try {
    const real = realpathSync(written);
    return real === written ? [written] : [written, real];
  } catch {
    return [written];
  }
}

const RUNTIME_SOCKETS = new Set([
  '/run/docker.sock', '/var/run/docker.sock', '/run/containerd/containerd.sock', '/var/run/containerd/containerd.sock',
  '/run/crio/crio.sock', '/var/run/crio/crio.sock', '/run/podman/podman.sock', '/run/buildkit/buildkitd.sock',
  '/run/dockershim.sock',
]);

/** Host paths whose exposure gives the host away: the system itself, its secrets, its kernel
 *  interfaces and the state of its container engines. */
const SENSITIVE_EXACT = new Set([
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib64', '/proc', '/root', '/run', '/sbin', '/sys', '/usr',
  '/var', '/var/run', '/var/lib', '/var/log', '/run/containerd', '/var/lib/docker', '/var/lib/containerd', '/var/lib/kubelet',
]);
// below the engines' state directories (/var/lib/docker/containers/ID/hosts, kubelet volumes) are
// the container's own files the engine binds in: only the directories themselves are sensitive
const SENSITIVE_BELOW = ['/boot/', '/dev/', '/etc/', '/proc/', '/root/', '/sys/'];
// device nodes every container has anyway
const HARMLESS = new Set(DEFAULT_DEVICES.map(([path]) => path));

function isSensitive(path: string): boolean {
  if (HARMLESS.has(path)) return false;
  return SENSITIVE_EXACT.has(path) || SENSITIVE_BELOW.some((p) => path.startsWith(p));
}

type BindClass = 'socket' | 'sensitive' | 'other';

function bindClass(m: Mount, bundle: string): BindClass {
  const paths = hostPaths(m.source ?? '', bundle);
  if (paths.some((p) => RUNTIME_SOCKETS.has(p))) return 'socket';
  return paths.some(isSensitive) ? 'sensitive' : 'other';
}

function binds(spec: Spec, bundle: string, want: BindClass, writable: boolean | null): Hit[] {
  const hits: Hit[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    if (!isBind(m) || bindClass(m, bundle) !== want) return;
    if (writable !== null && isWritable(m) !== writable) return;
    hits.push({ pointer: `/mounts/${i}`, detail: `${m.source} on ${m.destination}${isWritable(m) ? ' (writable)' : ' (read-only)'}` });
  });
  return hits;
}

function missingDefaults(list: string[] | undefined, defaults: readonly string[], pointer: string): Hit[] {
  const have = new Set(list ?? []);
  const missing = defaults.filter((p) => !have.has(p));
  return missing.length ? [{ pointer, detail: missing.join(', ') }] : [];
}

function devicesAllAllowed(spec: Spec): boolean {
  try {
    return deviceState(spec.linux?.resources?.devices).defaultAllow;
  } catch {
    // a malformed rule is create's to report
    return false;
  }
}

// /dev/mem, /dev/kmem, /dev/port: the host's memory and I/O ports
const RAW_MEMORY_DEVICES = new Set(['1:1', '1:2', '1:4']);

/** The host devices of linux.devices that reach raw disks or memory, or (raw false) the others. */
function addedDevices(spec: Spec, raw: boolean): Hit[] {
  const hits: Hit[] = [];
  (spec.linux?.devices ?? []).forEach((d, i) => {
    const isRaw = d.type === 'b' || (d.type === 'c' && RAW_MEMORY_DEVICES.has(`${d.major}:${d.minor}`));
    if (isRaw === raw) hits.push({ pointer: `/linux/devices/${i}`, detail: `${d.path} (${d.type} ${d.major ?? ''}:${d.minor ?? ''})` });
  });
  return hits;
}

const CREDENTIAL_FILES = [/\/\.ssh\/id_[^/]*$/, /\/\.aws\/credentials$/, /\/\.docker\/config\.json$/, /\/\.kube\/config$/, /\/\.git-credentials$/, /\/\.netrc$/, /\/\.pgpass$/];
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

// cgroup v1 writes "no limit" as a page-aligned number near 2^63 (9223372036854771712)
const V1_NO_LIMIT = 2 ** 62;

// ---- the table --------------------------------------------------------------------------------

export const RULES: readonly Rule[] = [
  {
    kind: 'config',
    id: 'TD001',
    severity: 'high',
    title: 'tdrun create refuses this config',
    why: 'the container will not run under tdrun as configured.',
    fix: 'change or remove the setting the message names',
    check: (spec) => checkRules(spec, { noPivot: false }).filter((p) => !p.warning).map((p) => ({ pointer: p.pointer, detail: p.message })),
  },
  {
    kind: 'config',
    id: 'TD101',
    severity: 'medium',
    title: 'runs as root without a user namespace',
    why: 'root in the container is root on the host, so any escape or writable host file is the host\'s root.',
    fix: 'set /process/user/uid (and gid) to a non-root id, or add a user namespace with uidMappings/gidMappings',
    check(spec) {
      if ((spec.process?.user?.uid ?? 0) !== 0 || hasNewNamespace(spec, 'user')) return [];
      return [{ pointer: '/process/user/uid', detail: 'uid 0, no user namespace' }];
    },
  },
  {
    kind: 'config',
    id: 'TD102',
    severity: 'high',
    title: 'dangerous capability added',
    why: 'this capability has known ways out of a container (mounts, kernel modules, ptrace of host processes, raw devices).',
    fix: 'remove the capability from every set under /process/capabilities',
    check: (spec) => addedCaps(spec, true),
  },
  {
    kind: 'config',
    id: 'TD103',
    severity: 'medium',
    title: 'capability added beyond the engines\' default set',
    why: 'each capability beyond docker\'s default 14 widens what a compromised process can do to the kernel.',
    fix: 'remove the capability from /process/capabilities unless the program needs it',
    check: (spec) => addedCaps(spec, false),
  },
  {
    kind: 'config',
    id: 'TD104',
    severity: 'medium',
    title: 'noNewPrivileges is off',
    why: 'a setuid or file-capability binary in the container can then raise the privileges of its process.',
    fix: 'set /process/noNewPrivileges to true',
    check: (spec) => (spec.process?.noNewPrivileges ? [] : [{ pointer: '/process/noNewPrivileges' }]),
  },
  {
    kind: 'config',
    id: 'TD105',
    severity: 'medium',
    title: 'inheritable or ambient capabilities',
    why: 'they survive execve into other programs, including setuid ones (CVE-2022-29162).',
    fix: 'empty /process/capabilities/inheritable and /process/capabilities/ambient',
    check(spec) {
      return (['inheritable', 'ambient'] as const)
        .filter((set) => (spec.process?.capabilities?.[set] ?? []).length > 0)
        .map((set) => ({ pointer: `/process/capabilities/${set}`, detail: spec.process!.capabilities![set]!.join(', ') }));
    },
  },
  {
    kind: 'config',
    id: 'TD106',
    severity: 'medium',
    title: 'no seccomp profile',
    why: 'every system call of the kernel stays reachable, so any kernel bug in one of them is an escape.',
    fix: 'add /linux/seccomp with a default-deny profile (docker\'s default profile is a good start)',
    check: (spec) => (spec.linux?.seccomp ? [] : [{ pointer: '/linux/seccomp' }]),
  },
  {
    kind: 'config',
    id: 'TD107',
    severity: 'low',
    title: 'no AppArmor profile or SELinux label',
    why: 'no mandatory access control confines the process where the host has an LSM to do it.',
    fix: 'set /process/apparmorProfile on AppArmor hosts, /process/selinuxLabel on SELinux hosts (tdrun refuses a label where its LSM is not enabled)',
    check: (spec) => (spec.process?.apparmorProfile || spec.process?.selinuxLabel ? [] : [{ pointer: '/process/apparmorProfile' }]),
  },
  {
    kind: 'config',
    id: 'TD108',
    severity: 'low',
    title: 'no RLIMIT_NOFILE',
    why: 'the process inherits the runtime\'s open-file limit, so it can exhaust file descriptors the host shares.',
    fix: 'add {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024} to /process/rlimits',
    check: (spec) => ((spec.process?.rlimits ?? []).some((r) => r.type === 'RLIMIT_NOFILE') ? [] : [{ pointer: '/process/rlimits' }]),
  },
  {
    kind: 'config',
    id: 'TD109',
    severity: 'high',
    title: 'privileged-like configuration',
    why: 'with every capability, or CAP_SYS_ADMIN and every device, the container is as strong as the host\'s root.',
    fix: 'drop capabilities to what the program needs and add {"allow": false, "access": "rwm"} first in /linux/resources/devices',
    check(spec) {
      const bounding = new Set(spec.process?.capabilities?.bounding ?? []);
      const allCaps = CAPABILITIES.every((c) => bounding.has(c));
      if (!allCaps && !(bounding.has('CAP_SYS_ADMIN') && devicesAllAllowed(spec))) return [];
      return [{ pointer: '/process/capabilities/bounding', detail: allCaps ? 'every capability' : 'CAP_SYS_ADMIN with every device' }];
    },
  },
  {
    kind: 'config',
    id: 'TD201',
    severity: 'high',
    title: 'host pid namespace',
    why: 'the container sees and can signal every host process, and read their /proc entries.',
    fix: 'add {"type": "pid"} to /linux/namespaces',
    check: (spec) => hostNamespace(spec, 'pid'),
  },
  {
    kind: 'config',
    id: 'TD202',
    severity: 'high',
    title: 'host network namespace',
    why: 'the container reaches the host\'s loopback services and abstract sockets and can bind its ports.',
    fix: 'add {"type": "network"} to /linux/namespaces',
    check: (spec) => hostNamespace(spec, 'network'),
  },
  {
    kind: 'config',
    id: 'TD203',
    severity: 'medium',
    title: 'host ipc namespace',
    why: 'the container reads and writes the host\'s System V shared memory and message queues.',
    fix: 'add {"type": "ipc"} to /linux/namespaces',
    check: (spec) => hostNamespace(spec, 'ipc'),
  },
  {
    kind: 'config',
    id: 'TD204',
    severity: 'low',
    title: 'host uts namespace',
    why: 'a root process of the container can rename the host.',
    fix: 'add {"type": "uts"} to /linux/namespaces',
    check: (spec) => hostNamespace(spec, 'uts'),
  },
  {
    kind: 'config',
    id: 'TD205',
    severity: 'high',
    title: 'host mount namespace',
    why: 'the container\'s mounts and pivot happen in the host\'s filesystem tree.',
    fix: 'add {"type": "mount"} without a path to /linux/namespaces',
    check: (spec) => hostNamespace(spec, 'mount'),
  },
  {
    kind: 'config',
    id: 'TD301',
    severity: 'high',
    title: 'sensitive host path bind-mounted writable',
    why: 'writing there changes the host itself (its configuration, secrets, kernel interfaces or engine state).',
    fix: 'remove the mount, or bind a narrower path with "ro" in its options',
    check: (spec, bundle) => binds(spec, bundle, 'sensitive', true),
  },
  {
    kind: 'config',
    id: 'TD302',
    severity: 'high',
    title: 'container engine socket bind-mounted',
    why: 'whoever can connect to it starts privileged containers on the host; "ro" does not stop connect(2).',
    fix: 'remove the mount of the socket',
    check: (spec, bundle) => binds(spec, bundle, 'socket', null),
  },
  {
    kind: 'config',
    id: 'TD303',
    severity: 'medium',
    title: 'sensitive host path bind-mounted read-only',
    why: 'the container reads host secrets and configuration there (/etc/shadow, keys, other containers\' files).',
    fix: 'remove the mount or bind only the file the program needs',
    check: (spec, bundle) => binds(spec, bundle, 'sensitive', false),
  },
  {
    kind: 'config',
    id: 'TD304',
    severity: 'low',
    title: 'host directory bind-mounted writable',
    why: 'the container can change host files that outlive it and that host programs may trust.',
    fix: 'add "ro" to the mount\'s options unless the program must write there',
    check: (spec, bundle) => binds(spec, bundle, 'other', true),
  },
  {
    kind: 'config',
    id: 'TD305',
    severity: 'low',
    title: 'writable root filesystem',
    why: 'an intruder can change the container\'s programs and leave tools behind.',
    fix: 'set /root/readonly to true and mount tmpfs where the program writes',
    check: (spec) => (spec.root?.readonly ? [] : [{ pointer: '/root/readonly' }]),
  },
  {
    kind: 'config',
    id: 'TD306',
    severity: 'medium',
    title: 'default masked paths removed',
    why: 'these /proc and /sys files leak host information or reach host kernel interfaces.',
    fix: 'add the paths back to /linux/maskedPaths',
    check: (spec) => missingDefaults(spec.linux?.maskedPaths, DEFAULT_MASKED_PATHS, '/linux/maskedPaths'),
  },
  {
    kind: 'config',
    id: 'TD307',
    severity: 'medium',
    title: 'default read-only paths removed',
    why: 'writes to /proc/sys, /proc/sysrq-trigger and friends change the host kernel, not the container.',
    fix: 'add the paths back to /linux/readonlyPaths',
    check: (spec) => missingDefaults(spec.linux?.readonlyPaths, DEFAULT_READONLY_PATHS, '/linux/readonlyPaths'),
  },
  {
    kind: 'config',
    id: 'TD401',
    severity: 'medium',
    title: 'no memory limit',
    why: 'the container can take the host\'s memory and push other workloads into the OOM killer.',
    fix: 'set /linux/resources/memory/limit (bytes)',
    check: (spec) => ((spec.linux?.resources?.memory?.limit ?? -1) > 0 ? [] : [{ pointer: '/linux/resources/memory/limit' }]),
  },
  {
    kind: 'config',
    id: 'TD402',
    severity: 'medium',
    title: 'no pids limit',
    why: 'a fork bomb in the container exhausts the host\'s process table.',
    fix: 'set /linux/resources/pids/limit',
    check: (spec) => ((spec.linux?.resources?.pids?.limit ?? -1) > 0 ? [] : [{ pointer: '/linux/resources/pids/limit' }]),
  },
  {
    kind: 'config',
    id: 'TD403',
    severity: 'low',
    title: 'no CPU limit',
    why: 'the container can starve the host and other containers of CPU time.',
    fix: 'set /linux/resources/cpu/quota and period, shares, or cpus',
    check(spec) {
      const cpu = spec.linux?.resources?.cpu;
      return (cpu?.quota ?? -1) > 0 || cpu?.shares || cpu?.cpus ? [] : [{ pointer: '/linux/resources/cpu' }];
    },
  },
  {
    kind: 'config',
    id: 'TD404',
    severity: 'high',
    title: 'every device allowed',
    why: 'the container may create and open any device node, including the host\'s disks and memory.',
    fix: 'put {"allow": false, "access": "rwm"} first in /linux/resources/devices',
    check: (spec) => (devicesAllAllowed(spec) ? [{ pointer: '/linux/resources/devices' }] : []),
  },
  {
    kind: 'config',
    id: 'TD405',
    severity: 'high',
    title: 'host disk or memory device added',
    why: 'a block device or /dev/mem, /dev/kmem, /dev/port gives raw access under every file permission on the host.',
    fix: 'remove the device from /linux/devices; bind-mount the filesystem the program needs instead',
    check: (spec) => addedDevices(spec, true),
  },
  {
    kind: 'config',
    id: 'TD406',
    severity: 'low',
    title: 'host device added',
    why: 'each device node is a kernel driver the container can talk to directly.',
    fix: 'remove the device from /linux/devices unless the program needs it',
    check: (spec) => addedDevices(spec, false),
  },
  {
    kind: 'config',
    id: 'TD501',
    severity: 'high',
    title: 'sysctl that is not namespaced',
    why: 'the setting would change the whole host kernel, not the container.',
    fix: 'remove the key from /linux/sysctl and set it on the host if it is wanted',
    check(spec) {
      return Object.keys(spec.linux?.sysctl ?? {})
        .filter((key) => sysctlNamespace(key) === null)
        .map((key) => ({ pointer: `/linux/sysctl/${escapePointer(key)}`, detail: key }));
    },
  },
  {
    kind: 'rootfs',
    id: 'TD601',
    severity: 'low',
    title: 'setuid or setgid binary',
    why: 'without noNewPrivileges a process can gain the file owner\'s privileges by running it.',
    fix: 'remove the setuid/setgid bit in the image (chmod u-s,g-s) or set /process/noNewPrivileges',
    entry(e) {
      if (e.type !== 'file' || (e.mode & 0o6000) === 0) return null;
      return { path: e.path, detail: `mode ${(e.mode & 0o7777).toString(8)}` };
    },
  },
  {
    kind: 'rootfs',
    id: 'TD602',
    severity: 'medium',
    title: 'world-writable directory without the sticky bit',
    why: 'any user of the container can delete or replace the files of every other user there.',
    fix: 'chmod +t the directory (or drop o+w) in the image',
    entry(e) {
      if (e.type !== 'dir' || (e.mode & 0o002) === 0 || (e.mode & 0o1000) !== 0) return null;
      return { path: e.path, detail: `mode ${(e.mode & 0o7777).toString(8)}` };
    },
  },
  {
    kind: 'rootfs',
    id: 'TD603',
    severity: 'low',
    title: '/etc/passwd has no non-root user',
    why: 'the image gives its program no unprivileged user to run as, so it runs as root.',
    fix: 'add a user to the image and set /process/user/uid to it',
    whole(scan) {
      if (scan.passwd === null) return [];
      const uids = scan.passwd.split('\n').filter((l) => l.includes(':')).map((l) => l.split(':')[2]);
      return uids.some((uid) => uid !== '0' && uid !== undefined && uid !== '') ? [] : [{ path: '/etc/passwd' }];
    },
  },
  {
    kind: 'rootfs',
    id: 'TD604',
    severity: 'high',
    title: 'secret in the image',
    why: 'anyone with the image or a foothold in the container has the key or credential.',
    fix: 'remove the file from the image and hand the secret in at run time (a read-only bind or tmpfs)',
    entry(e) {
      if (e.type !== 'file') return null;
      if (CREDENTIAL_FILES.some((re) => re.test(e.path)) && !e.path.endsWith('.pub')) return { path: e.path, detail: 'credential file' };
      const head = e.head();
      return head !== null && PRIVATE_KEY.test(head) ? { path: e.path, detail: 'private key' } : null;
    },
  },
  {
    kind: 'rootfs',
    id: 'TD605',
    severity: 'low',
    title: 'rootfs scan incomplete',
    why: 'the scan stopped at its limit, so rootfs findings may be missing.',
    fix: 'audit a smaller rootfs, or scan the image with a dedicated tool',
    whole: (scan) => (scan.truncated ? [{ path: '/', detail: scan.truncated }] : []),
  },
  {
    kind: 'live',
    id: 'TD701',
    severity: 'high',
    title: 'process holds capabilities its config did not grant',
    why: 'the process has more power than the container was audited with (e.g. `exec --cap`).',
    fix: 'stop the process; run it without the extra capabilities (no `exec --cap`)',
    check(c) {
      const hits: Hit[] = [];
      for (const p of c.processes) {
        const extra = CAP_SETS.flatMap((set) => {
          const granted = new Set(c.spec.process?.capabilities?.[set] ?? []);
          return p.caps[set].filter((cap) => !granted.has(cap)).map((cap) => `${set} ${cap}`);
        });
        if (extra.length) hits.push({ path: `/proc/${p.pid}/status`, detail: `${p.command}: ${extra.join(', ')}` });
      }
      return hits;
    },
  },
  {
    kind: 'live',
    id: 'TD702',
    severity: 'high',
    title: 'process runs without no_new_privs its config asks for',
    why: 'setuid binaries raise this process\'s privileges although the config forbids it.',
    fix: 'stop the process; exec it again without overriding noNewPrivileges',
    check(c) {
      if (!c.spec.process?.noNewPrivileges) return [];
      return c.processes.filter((p) => !p.noNewPrivs).map((p) => ({ path: `/proc/${p.pid}/status`, detail: p.command }));
    },
  },
  {
    kind: 'live',
    id: 'TD703',
    severity: 'high',
    title: 'process runs as host root though its config does not',
    why: 'someone ran it as root (`exec -u 0`), beyond the user the container was audited with.',
    fix: 'stop the process; exec with the config\'s user',
    check(c) {
      const uid = c.spec.process?.user?.uid ?? 0;
      const map = c.spec.linux?.uidMappings?.find((m) => uid >= m.containerID && uid < m.containerID + m.size);
      const hostUid = hasNewNamespace(c.spec, 'user') ? (map ? map.hostID + uid - map.containerID : -1) : uid;
      if (hostUid === 0) return [];
      return c.processes.filter((p) => p.euid === 0).map((p) => ({ path: `/proc/${p.pid}/status`, detail: p.command }));
    },
  },
  {
    kind: 'live',
    id: 'TD704',
    severity: 'high',
    title: 'process shares a namespace with the host that its config isolates',
    why: 'the process escaped (or was started outside) an isolation the config asks for.',
    fix: 'stop the process and find what started it outside the container\'s namespaces',
    check(c) {
      const hits: Hit[] = [];
      for (const ns of c.spec.linux?.namespaces ?? []) {
        if (ns.path) continue;
        const name = PROC_NS_NAME[ns.type];
        for (const p of c.processes) {
          if (p.ns[name] && p.ns[name] === c.hostNs[name]) hits.push({ path: `/proc/${p.pid}/ns/${name}`, detail: `${p.command}: ${p.ns[name]}` });
        }
      }
      return hits;
    },
  },
  {
    kind: 'live',
    id: 'TD705',
    severity: 'high',
    title: 'process runs without the seccomp filter its config asks for',
    why: 'every system call is open to it although the config restricts them.',
    fix: 'stop the process and exec it again so the profile applies',
    check(c) {
      if (!c.spec.linux?.seccomp) return [];
      return c.processes.filter((p) => p.seccomp === 0).map((p) => ({ path: `/proc/${p.pid}/status`, detail: p.command }));
    },
  },
  {
    kind: 'live',
    id: 'TD706',
    severity: 'high',
    title: 'resource limit of the config not in force',
    why: 'the cgroup does not hold the limit the config sets, so the container is unbounded there.',
    fix: 'set it again with `tdrun update --resources`',
    check(c) {
      const hits: Hit[] = [];
      const want = c.spec.linux?.resources;
      if ((want?.memory?.limit ?? -1) > 0 && (c.limits.memory === null || c.limits.memory >= V1_NO_LIMIT)) {
        hits.push({ pointer: '/linux/resources/memory/limit', detail: 'memory unlimited in the cgroup' });
      }
      if ((want?.pids?.limit ?? -1) > 0 && c.limits.pids === null) {
        hits.push({ pointer: '/linux/resources/pids/limit', detail: 'pids unlimited in the cgroup' });
      }
      return hits;
    },
  },
  {
    kind: 'live',
    id: 'TD707',
    severity: 'medium',
    title: 'writable filesystem mounted that the config does not declare',
    why: 'someone mounted a filesystem into the running container after it was audited.',
    fix: 'unmount it, or declare it in /mounts (read-only) so the audit judges it',
    check(c) {
      // what the config asks for, and what the runtime mounts for it: devices bound from the host
      // (in a user namespace) and masked paths bound over with /dev/null
      const declared = new Set([
        ...(c.spec.mounts ?? []).map((m) => posix.resolve('/', m.destination)),
        ...DEFAULT_DEVICES.map(([path]) => path),
        ...(c.spec.linux?.devices ?? []).map((d) => d.path),
        ...(c.spec.linux?.maskedPaths ?? []),
      ]);
      return c.mounts
        .filter((m) => m.writable && m.mountpoint !== '/' && !VIRTUAL_FS.has(m.fstype) && !declared.has(m.mountpoint))
        .map((m) => ({ path: m.mountpoint, detail: m.fstype }));
    },
  },
  {
    kind: 'live',
    id: 'TD708',
    severity: 'high',
    title: 'root filesystem writable though the config makes it read-only',
    why: 'the container can change its own programs, which the config forbids.',
    fix: 'recreate the container; find what remounted its root',
    check(c) {
      if (!c.spec.root?.readonly) return [];
      return c.mounts.filter((m) => m.mountpoint === '/' && m.writable).map(() => ({ path: '/', detail: 'mounted rw' }));
    },
  },
];

/** Filesystems with no host files in them (kernel views, memory): not host binds. */
const VIRTUAL_FS = new Set(['proc', 'sysfs', 'tmpfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs', 'fusectl', 'bpf', 'binfmt_misc', 'hugetlbfs', 'pstore', 'configfs']);

export const CONFIG_RULES = RULES.filter((r): r is ConfigRule => r.kind === 'config');
export const ROOTFS_RULES = RULES.filter((r): r is RootfsRule => r.kind === 'rootfs');
export const LIVE_RULES = RULES.filter((r): r is LiveRule => r.kind === 'live');
