// `tdrun info`: the host as tdrun sees it, and for each tdrun feature whether this host can have
// it and why not. Facts come from the files the kernel exports and from real probes of the system
// calls tdrun uses (the addon calls each with arguments it rejects), not from the kernel version.
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { release, version } from 'node:os';
import { detectCgroups, UNIFIED } from '../cgroups/index.ts';
import { unescapeMountinfo } from '../cgroups/setup.ts';
import { findResctrl } from '../container/intel-rdt.ts';
import { native } from '../native.ts';

const SYSCALLS = ['pidfd_open', 'clone3', 'openat2', 'open_tree', 'mount_setattr'] as const;
type Syscall = (typeof SYSCALLS)[number];
const ENOSYS = 38;
const EPERM = 1;

export interface Feature {
  name: string;
  supported: boolean;
  /** what it rests on, or why this host cannot have it */
  why: string;
}

export interface HostInfo {
  tdrunInfo: 1;
  kernel: { release: string; version: string };
  cgroup: {
    layout: 'v1' | 'v2' | 'hybrid';
    /** PID 1 is systemd */
    systemd: boolean;
    hierarchies: { mountpoint: string; version: 1 | 2; controllers: string[] }[];
  };
  seccomp: { kernel: boolean; actions: string[] };
  lsm: { active: string[]; apparmor: boolean; selinux: boolean };
  userNamespaces: { max: number | null };
  syscalls: Record<Syscall, 'available' | 'missing' | 'blocked'>;
  rootless: { euid: number; subuid: boolean; subgid: boolean; xdgRuntimeDir: string | null; idMapHelpers: boolean };
  features: Feature[];
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Where the cgroup filesystems are mounted (every one, also those tdrun's process is not in). */
export function cgroupMounts(mountinfo: string): { mountpoint: string; version: 1 | 2; options: string[] }[] {
  const out: { mountpoint: string; version: 1 | 2; options: string[] }[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - cgroup');
    if (sep < 0) continue;
    const post = line.slice(sep + 3).split(' ');
    if (post[0] !== 'cgroup' && post[0] !== 'cgroup2') continue;
    out.push({ mountpoint: unescapeMountinfo(line.slice(0, sep).split(' ')[4]), version: post[0] === 'cgroup2' ? 2 : 1, options: (post[2] ?? '').split(',') });
  }
  return out;
}

export function cgroupLayout(mounts: { version: 1 | 2 }[]): HostInfo['cgroup']['layout'] {
  const v1 = mounts.some((m) => m.version === 1);
  const v2 = mounts.some((m) => m.version === 2);
  return v1 && v2 ? 'hybrid' : v1 ? 'v1' : 'v2';
}

function cgroupInfo(): HostInfo['cgroup'] {
  const mounts = cgroupMounts(read('/proc/self/mountinfo') ?? '');
  const hierarchies = detectCgroups().hierarchies.map((h) => ({
    mountpoint: h.mountpoint,
    version: (h.v2 ? 2 : 1) as 1 | 2,
    controllers: h.key === UNIFIED ? (read(`${h.mountpoint}/cgroup.controllers`) ?? '').trim().split(/\s+/).filter(Boolean) : h.controllers,
  }));
  let init = '';
  try {
    init = readlinkSync('/proc/1/exe');
  } catch {
    init = read('/proc/1/comm')?.trim() ?? '';
  }
  return { layout: cgroupLayout(mounts), systemd: /(^|\/)systemd$/.test(init), hierarchies };
}

function probe(name: Syscall): HostInfo['syscalls'][Syscall] {
  const errno = native().probeSyscall(name);
  return errno === ENOSYS ? 'missing' : errno === EPERM ? 'blocked' : 'available';
}

/** Whether `/etc/subuid` (or subgid) gives the user of euid a range. */
function hasSubordinateIds(file: string, euid: number): boolean {
  const passwd = read('/etc/passwd') ?? '';
  const name = passwd.split('\n').map((l) => l.split(':')).find((f) => f[2] === String(euid))?.[0];
  return (read(file) ?? '').split('\n').some((l) => {
    const owner = l.split(':')[0];
    return owner !== '' && (owner === name || owner === String(euid));
  });
}

function rdtFeature(): Feature {
  const found = findResctrl();
  return 'root' in found
    ? { name: 'Intel RDT (linux.intelRdt)', supported: true, why: `resctrl at ${found.root}` }
    : { name: 'Intel RDT (linux.intelRdt)', supported: false, why: found.why };
}

function features(h: Omit<HostInfo, 'features' | 'tdrunInfo'>): Feature[] {
  const has = (name: string) => h.cgroup.hierarchies.some((x) => x.controllers.includes(name));
  const f = (name: string, supported: boolean, yes: string, no: string): Feature => ({ name, supported, why: supported ? yes : no });
  const sys = h.syscalls;
  return [
    f('containers (waiting on pidfds)', sys.pidfd_open === 'available', 'pidfd_open (Linux 5.3)', `pidfd_open is ${sys.pidfd_open}: tdrun needs Linux 5.3`),
    f('mount destinations resolved inside the rootfs', sys.openat2 === 'available', 'openat2 RESOLVE_IN_ROOT (Linux 5.6)', `openat2 is ${sys.openat2}: create cannot resolve mounts safely`),
    f(
      'read-only helper mount against /proc/self/exe overwrites',
      sys.open_tree === 'available' && sys.mount_setattr === 'available' && h.rootless.euid === 0,
      'open_tree + mount_setattr (Linux 5.12), as root',
      'falls back to a sealed memfd copy of tdrun-init (no open_tree/mount_setattr, or not root)',
    ),
    f('recursive mount options (rro, rnosuid, ...)', sys.mount_setattr === 'available', 'mount_setattr (Linux 5.12)', `mount_setattr is ${sys.mount_setattr}`),
    f(
      'joining cgroup2 without the global cgroup lock',
      sys.clone3 === 'available' && h.cgroup.layout !== 'v1',
      'clone3(CLONE_INTO_CGROUP) into the cgroup2 hierarchy',
      h.cgroup.layout === 'v1' ? 'no cgroup2 hierarchy is mounted' : `clone3 is ${sys.clone3}: a classic migration is used`,
    ),
    f('user namespaces', (h.userNamespaces.max ?? 0) > 0, `max_user_namespaces ${h.userNamespaces.max}`, '/proc/sys/user/max_user_namespaces is 0 or missing'),
    f('time namespaces', existsSync('/proc/self/ns/time'), '/proc/self/ns/time exists (Linux 5.6)', 'the kernel has no time namespace'),
    f('cgroup namespaces', existsSync('/proc/self/ns/cgroup'), '/proc/self/ns/cgroup exists', 'the kernel has no cgroup namespace'),
    f('memory limits', has('memory'), 'memory controller', 'no memory controller is mounted'),
    f('pids limits', has('pids'), 'pids controller', 'no pids controller is mounted'),
    f('cpu limits', has('cpu'), 'cpu controller', 'no cpu controller is mounted'),
    f('pause/resume', has('freezer') || h.cgroup.layout === 'v2', 'freezer (v1) or cgroup.freeze (v2)', 'no freezer controller is mounted'),
    f(
      'device rules (linux.resources.devices)',
      h.cgroup.layout === 'v2' || h.cgroup.hierarchies.some((x) => x.version === 1 && x.controllers.includes('devices')),
      h.cgroup.layout === 'v2' ? 'a cgroup v2 device program (BPF)' : 'v1 devices controller',
      'no v1 devices controller is mounted on this hybrid host',
    ),
    f('seccomp (linux.seccomp)', h.seccomp.kernel, 'libseccomp in tdrun-init', 'the kernel has no seccomp'),
    f(
      'idmapped mounts (mounts uidMappings/gidMappings, idmap, ridmap)',
      sys.open_tree === 'available' && sys.mount_setattr === 'available' && h.rootless.euid === 0,
      'open_tree + mount_setattr MOUNT_ATTR_IDMAP (Linux 5.12), as root',
      h.rootless.euid === 0 ? 'open_tree or mount_setattr is missing (Linux 5.12)' : 'tdrun maps mounts as root only',
    ),
    f('network devices (linux.netDevices)', h.rootless.euid === 0, 'moved over rtnetlink, as root', 'moving host interfaces needs root, as with runc'),
    rdtFeature(),
    f('AppArmor profiles', h.lsm.apparmor, 'attr/apparmor/exec before execve', 'AppArmor is not active on this host: a profile is refused'),
    f('SELinux labels', h.lsm.selinux, 'attr/exec before execve, context= on mounts', 'SELinux is not active on this host: a label is refused'),
    f(
      'rootless containers',
      (h.userNamespaces.max ?? 0) > 0,
      `a user namespace with your own id mapped; id ranges through newuidmap/newgidmap (${h.rootless.idMapHelpers ? 'installed' : 'not installed'})`,
      'user namespaces are off (max_user_namespaces 0)',
    ),
    f(
      'rootless cgroup limits',
      h.cgroup.layout === 'v2',
      'in a delegated cgroup v2 subtree (a cgroupsPath the user may write); without one the container runs with no cgroup',
      'cgroup v1 controllers are never delegated to a user: rootless containers run without a cgroup, and a config with limits is refused',
    ),
    f('systemd cgroup driver', h.cgroup.systemd, 'systemd is PID 1: --systemd-cgroup makes transient scopes over D-Bus', 'PID 1 is not systemd: --systemd-cgroup fails here'),
  ];
}

export function hostInfo(): HostInfo {
  const status = read('/proc/self/status') ?? '';
  const lsms = (read('/sys/kernel/security/lsm') ?? '').trim().split(',').filter(Boolean);
  const maxUserns = read('/proc/sys/user/max_user_namespaces');
  const euid = process.geteuid?.() ?? 0;
  const xdg = process.env.XDG_RUNTIME_DIR;
  const facts = {
    kernel: { release: release(), version: version() },
    cgroup: cgroupInfo(),
    seccomp: {
      kernel: /^Seccomp:/m.test(status),
      actions: (read('/proc/sys/kernel/seccomp/actions_avail') ?? '').trim().split(/\s+/).filter(Boolean),
    },
    lsm: {
      active: lsms,
      apparmor: lsms.includes('apparmor') && (read('/sys/module/apparmor/parameters/enabled') ?? '').trim() === 'Y',
      selinux: lsms.includes('selinux') && existsSync('/sys/fs/selinux/enforce'),
    },
    userNamespaces: { max: maxUserns === null ? null : Number(maxUserns.trim()) },
    syscalls: Object.fromEntries(SYSCALLS.map((s) => [s, probe(s)])) as HostInfo['syscalls'],
    rootless: {
      euid,
      subuid: hasSubordinateIds('/etc/subuid', euid),
      subgid: hasSubordinateIds('/etc/subgid', euid),
      xdgRuntimeDir: xdg && existsSync(xdg) ? xdg : null,
      idMapHelpers: ['/usr/bin/newuidmap', '/usr/bin/newgidmap'].every((p) => existsSync(p)),
    },
  };
  return { tdrunInfo: 1, ...facts, features: features(facts) };
}

export function formatInfo(h: HostInfo): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const lines = [
    `kernel: ${h.kernel.release} (${h.kernel.version})`,
    `cgroup: ${h.cgroup.layout}, PID 1 ${h.cgroup.systemd ? 'is' : 'is not'} systemd`,
    ...h.cgroup.hierarchies.map((x) => `  v${x.version} ${x.mountpoint}: ${x.controllers.join(',') || '(no controllers)'}`),
    `seccomp: ${yes(h.seccomp.kernel)}${h.seccomp.actions.length ? ` (actions: ${h.seccomp.actions.join(' ')})` : ''}`,
    `LSMs: ${h.lsm.active.join(',') || 'unknown (/sys/kernel/security/lsm unreadable)'}; AppArmor ${yes(h.lsm.apparmor)}, SELinux ${yes(h.lsm.selinux)}`,
    `user namespaces: max ${h.userNamespaces.max ?? 'unknown'}`,
    `system calls: ${SYSCALLS.map((s) => `${s} ${h.syscalls[s]}`).join(', ')}`,
    `rootless: euid ${h.rootless.euid}, /etc/subuid ${yes(h.rootless.subuid)}, /etc/subgid ${yes(h.rootless.subgid)}, XDG_RUNTIME_DIR ${h.rootless.xdgRuntimeDir ?? 'unset'}, newuidmap/newgidmap ${yes(h.rootless.idMapHelpers)}`,
    'features:',
    ...h.features.map((x) => `  [${x.supported ? 'x' : ' '}] ${x.name}: ${x.why}`),
  ];
  return lines.join('\n') + '\n';
}
