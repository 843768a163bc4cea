// `tdrun spec --hardened`: the default config made to start safe. On top of what `tdrun spec`
// already does (read-only rootfs, noNewPrivileges, masked and read-only /proc paths): a seccomp
// deny-list in the spirit of docker's default profile, podman's default capability set and pids
// limit, and a non-root user taken from the rootfs's /etc/passwd where it has one.
import { readFileSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Seccomp, Spec } from './types.ts';

/** Podman's default capabilities (containers.conf): docker's less NET_RAW, MKNOD and AUDIT_WRITE. */
const ENGINE_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/** Kernel interfaces docker's profile keeps from containers: modules, kexec, mounts and new
 *  namespaces (also the unprivileged user namespaces that no capability guards), keyrings, other
 *  processes' memory, time, swap, raw I/O ports, BPF, perf, userfaultfd and io_uring. Names
 *  this host's libseccomp does not know are skipped by tdrun-init. */
const DENIED_SYSCALLS: readonly string[] = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module',
  'fanotify_init', 'finit_module', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms',
  'init_module', 'io_uring_enter', 'io_uring_register', 'io_uring_setup', 'ioperm', 'iopl', 'kcmp',
  'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount',
  'name_to_handle_at', 'nfsservctl', 'open_by_handle_at', 'open_tree', 'perf_event_open', 'pivot_root',
  'process_vm_readv', 'process_vm_writev', 'ptrace', 'query_module', 'quotactl', 'quotactl_fd', 'reboot',
  'request_key', 'setns', 'settimeofday', 'stime', 'swapoff', 'swapon', '_sysctl', 'sysfs', 'syslog',
  'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
];

// clone(2)'s CLONE_NEW* flags (CLONE_NEWTIME is clone3/unshare only)
const CLONE_NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];
const ENOSYS = 38;
/** podman's default pids_limit (containers.conf): a fork bomb stays in its container */
const PIDS_LIMIT = 2048;

function hardenedSeccomp(): Seccomp {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: [...DENIED_SYSCALLS], action: 'SCMP_ACT_ERRNO' },
      // one rule per flag: a rule's conditions all have to hold
      ...CLONE_NAMESPACE_FLAGS.map((flag) => ({
        names: ['clone'],
        action: 'SCMP_ACT_ERRNO' as const,
        args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' as const }],
      })),
      // clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc fall back to
      // clone, which the rules above see (docker does the same)
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
    ],
  };
}

/** The first non-root user of the rootfs's /etc/passwd, "nobody" preferred; null when there is
 *  none, or when /etc/passwd leads out of the rootfs (a symlink to a host file). */
function nonRootUser(rootfs: string): { uid: number; gid: number; name: string } | null {
  let text: string;
  try {
    const root = realpathSync(rootfs);
    const path = realpathSync(join(root, 'etc/passwd'));
    if (!path.startsWith(root + sep)) return null;
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const users = text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3]) && f[2] !== '0')
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]) }));
  return users.find((u) => u.name === 'nobody') ?? users[0] ?? null;
}

/** `base` (tdrun spec's config) hardened; `rootfs` is where its root.path points. */
export function hardenedSpec(base: Spec, rootfs: string): Spec {
  const spec = structuredClone(base);
  const process = spec.process!;
  process.capabilities = { bounding: [...ENGINE_CAPABILITIES], effective: [...ENGINE_CAPABILITIES], permitted: [...ENGINE_CAPABILITIES] };
  process.noNewPrivileges = true;
  const user = nonRootUser(rootfs);
  if (user) process.user = { uid: user.uid, gid: user.gid };
  spec.root = { path: spec.root?.path ?? 'rootfs', readonly: true };
  spec.linux = { ...spec.linux, seccomp: hardenedSeccomp() };
  // a rootless config has no cgroup of its own to limit
  if (spec.linux.resources) spec.linux.resources.pids = { limit: PIDS_LIMIT };
  return spec;
}
