// What `tdrun spec` writes: runc's example config (a busybox-style rootfs at "rootfs", sh on a
// terminal), adapted to what tdrun implements, so it runs as is.
import { existsSync } from 'node:fs';
import type { LinuxNamespace, Mount, Spec } from './types.ts';

export const SPEC_VERSION = '1.3.0';

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** Kernel interfaces hidden from every container (runc's list); `tdrun audit` reports a config
 *  that drops one. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function mounts(rootless: boolean): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      // gid 5 (tty) is not mapped in a rootless user namespace
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(rootless ? [] : ['gid=5'])],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // without a network namespace of its own a container may not mount sysfs: bind the host's
    rootless
      ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ];
}

function namespaces(rootless: boolean): LinuxNamespace[] {
  const list: LinuxNamespace[] = [{ type: 'pid' }];
  if (!rootless) list.push({ type: 'network' });
  list.push({ type: 'ipc' }, { type: 'uts' }, { type: 'mount' });
  // as runc does: a cgroup namespace only where the host is pure cgroup v2
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) list.push({ type: 'cgroup' });
  if (rootless) list.push({ type: 'user' });
  return list;
}

export function defaultSpec(opts: { rootless: boolean }): Spec {
  const { rootless } = opts;
  const spec: Spec = {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      // no ambient or inheritable capabilities: inheritable ones outlive an exec of a setuid or
      // file-capability binary (CVE-2022-29162)
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'tdrun',
    mounts: mounts(rootless),
    linux: {
      namespaces: namespaces(rootless),
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
  if (rootless) {
    const uid = process.geteuid?.() ?? 0;
    const gid = process.getegid?.() ?? 0;
    spec.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  } else {
    // deny every device but the ones the runtime creates (the default devices are allowed by the
    // cgroup code itself, as runc does)
    spec.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
  }
  return spec;
}
