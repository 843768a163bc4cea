import { describe, expect, it } from 'vitest';
import * as r from './rules.ts';
import type { Spec } from './types.ts';

const ctx = { noPivot: false };

function base(): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' },
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
  };
}

function pointers(problems: r.Problem[]): string[] {
  return problems.map((p) => p.pointer);
}

describe('cross-field rules', () => {
  it('accepts a minimal config', () => {
    expect(r.checkRules(base(), ctx)).toEqual([]);
  });

  it('ociVersion: any 1.x.y, nothing else', () => {
    for (const v of ['1.0.0', '1.0.2-dev', '1.3.0', '1.9.1+build']) {
      expect(r.ociVersion({ ...base(), ociVersion: v })).toEqual([]);
    }
    expect(r.ociVersion({ ...base(), ociVersion: '2.0.0' })[0].message).toMatch(/not supported/);
    expect(r.ociVersion({ ...base(), ociVersion: '' })[0].pointer).toBe('/ociVersion');
    expect(r.ociVersion({ ...base(), ociVersion: '1.0' })).toHaveLength(1);
  });

  it('root is required; process is not (only start needs it)', () => {
    const s = base();
    delete s.root;
    delete s.process;
    expect(pointers(r.rootRequired(s))).toEqual(['/root']);
  });

  it('process.args must not be empty; cwd must be absolute', () => {
    const s = base();
    s.process!.args = [];
    s.process!.cwd = 'tmp';
    expect(pointers(r.processArgs(s))).toEqual(['/process/args']);
    expect(pointers(r.processCwd(s))).toEqual(['/process/cwd']);
  });

  it('user names are refused', () => {
    const s = base();
    s.process!.user!.username = 'root';
    expect(pointers(r.processUser(s))).toEqual(['/process/user/username']);
  });

  it('capability names must be capabilities; those this kernel lacks are left to the plan', () => {
    const s = base();
    s.process!.capabilities = { bounding: ['CAP_CHOWN', 'CAP_TEST', 'chown', 'CAP_CHECKPOINT_RESTORE'] };
    expect(r.capabilityNames(s)).toEqual([
      { pointer: '/process/capabilities/bounding/1', message: '"CAP_TEST" is not a capability' },
      { pointer: '/process/capabilities/bounding/2', message: '"chown" is not a capability' },
    ]);
  });

  it('rlimits: known types, once each, soft <= hard', () => {
    const s = base();
    s.process!.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 10, hard: 10 },
      { type: 'RLIMIT_BOGUS', soft: 1, hard: 1 },
      { type: 'RLIMIT_NOFILE', soft: 1, hard: 1 },
      { type: 'RLIMIT_CORE', soft: 2, hard: 1 },
    ];
    expect(r.rlimitTypes(s).map((p) => `${p.pointer} ${p.message}`)).toEqual([
      '/process/rlimits/1/type unknown rlimit RLIMIT_BOGUS',
      '/process/rlimits/2/type RLIMIT_NOFILE listed twice',
      '/process/rlimits/3/soft RLIMIT_CORE soft limit is above the hard limit',
    ]);
  });

  it('a mount namespace is required', () => {
    const s = base();
    s.linux!.namespaces = [{ type: 'pid' }];
    expect(r.mountNamespaceRequired(s)).toEqual([
      { pointer: '/linux/namespaces', message: "a container without a mount namespace is not supported: its rootfs mounts and pivot_root would change the host's mounts" },
    ]);
  });

  it('a namespace type listed twice', () => {
    const s = base();
    s.linux!.namespaces!.push({ type: 'pid', path: '/proc/1/ns/pid' });
    expect(pointers(r.duplicateNamespaces(s))).toEqual(['/linux/namespaces/2/type']);
  });

  it('namespace paths must be absolute', () => {
    const s = base();
    s.linux!.namespaces!.push({ type: 'network', path: 'netns/x' });
    expect(pointers(r.namespacePaths(s))).toEqual(['/linux/namespaces/2/path']);
  });

  it('id mappings need a new user namespace, and a new one needs mappings', () => {
    const s = base();
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    expect(pointers(r.userNamespaceMappings(s))).toEqual(['/linux/uidMappings']);
    s.linux!.namespaces!.push({ type: 'user' });
    expect(pointers(r.userNamespaceMappings(s))).toEqual(['/linux/gidMappings']);
    s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 0 }];
    expect(pointers(r.userNamespaceMappings(s))).toEqual(['/linux/gidMappings/0/size']);
    s.linux!.namespaces![2] = { type: 'user', path: '/proc/1/ns/user' };
    s.linux!.gidMappings[0].size = 1;
    expect(pointers(r.userNamespaceMappings(s))).toEqual(['/linux/uidMappings', '/linux/gidMappings']);
  });

  it('time offsets need a new time namespace and a known clock', () => {
    const s = base();
    s.linux!.timeOffsets = { monotonic: { secs: 10 } };
    expect(pointers(r.timeOffsets(s))).toEqual(['/linux/timeOffsets']);
    s.linux!.namespaces!.push({ type: 'time' });
    expect(r.timeOffsets(s)).toEqual([]);
    s.linux!.timeOffsets = { realtime: { secs: 1 }, boottime: { nanosecs: 1e9 } };
    expect(pointers(r.timeOffsets(s))).toEqual(['/linux/timeOffsets/realtime', '/linux/timeOffsets/boottime/nanosecs']);
  });

  it('relative mount destinations are a warning, empty ones an error', () => {
    const s = base();
    s.mounts = [{ destination: 'data', type: 'tmpfs' }, { destination: '', type: 'tmpfs' }, { destination: '/ok', type: 'tmpfs' }];
    const problems = r.mountDestinations(s);
    expect(problems).toEqual([
      { pointer: '/mounts/0/destination', warning: true, message: '"data" is relative; taken as "/data"' },
      { pointer: '/mounts/1/destination', message: 'must not be empty' },
    ]);
  });

  it('mount options that tdrun cannot honour, bind without source, idmapped mounts', () => {
    const s = base();
    s.mounts = [
      { destination: '/a', type: 'bind', source: '/x', options: ['nosuid', 'tmpcopyup'] },
      { destination: '/e', type: 'tmpfs', options: ['tmpcopyup'] },
      { destination: '/b', source: '/x', type: 'bind', options: ['ridmap'] },
      { destination: '/c', options: ['rbind'] },
      { destination: '/d', source: '/x', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] },
    ];
    expect(pointers(r.mountOptions(s))).toEqual(['/mounts/0/options/1', '/mounts/2/options/0', '/mounts/3/source', '/mounts/4/uidMappings']);
  });

  it('--no-pivot refuses a private rootfs propagation, as runc', () => {
    const s = base();
    s.linux!.rootfsPropagation = 'rprivate';
    expect(r.noPivotPropagation(s, { noPivot: false })).toEqual([]);
    expect(pointers(r.noPivotPropagation(s, { noPivot: true }))).toEqual(['/linux/rootfsPropagation']);
    s.linux!.rootfsPropagation = 'rslave';
    expect(r.noPivotPropagation(s, { noPivot: true })).toEqual([]);
  });

  it('sysctls need the namespace they belong to', () => {
    const s = base();
    s.linux!.sysctl = {
      'net.ipv4.ip_forward': '1',
      'kernel.shmmax': '1',
      'fs.mqueue.msg_max': '10',
      'kernel.hostname': 'x',
      'vm.swappiness': '1',
    };
    expect(pointers(r.sysctlNamespaces(s))).toEqual([
      '/linux/sysctl/net.ipv4.ip_forward',
      '/linux/sysctl/kernel.shmmax',
      '/linux/sysctl/fs.mqueue.msg_max',
      '/linux/sysctl/kernel.hostname',
      '/linux/sysctl/vm.swappiness',
    ]);
    s.linux!.namespaces!.push({ type: 'network' }, { type: 'ipc' }, { type: 'uts' });
    expect(pointers(r.sysctlNamespaces(s))).toEqual(['/linux/sysctl/vm.swappiness']);
  });

  it("joining tdrun's own network namespace does not count as the container's", () => {
    const s = base();
    s.linux!.sysctl = { 'net.core.somaxconn': '256' };
    s.linux!.namespaces!.push({ type: 'network', path: '/proc/self/ns/net' });
    expect(pointers(r.sysctlNamespaces(s))).toEqual(['/linux/sysctl/net.core.somaxconn']);
  });

  it('hostname and domainname need a uts namespace', () => {
    const s = { ...base(), hostname: 'h', domainname: 'd' };
    expect(pointers(r.hostnameNeedsUts(s))).toEqual(['/hostname', '/domainname']);
    s.linux!.namespaces!.push({ type: 'uts' });
    expect(r.hostnameNeedsUts(s)).toEqual([]);
  });

  it('cgroupsPath must name a cgroup without . or .. components', () => {
    for (const bad of ['', '.', '..', '/', '//', 'a/../b', '/a/./b', '../x']) {
      const s = base();
      s.linux!.cgroupsPath = bad;
      expect(pointers(r.cgroupsPath(s)), bad).toEqual(['/linux/cgroupsPath']);
    }
    for (const good of ['/tdrun/c1', 'c1', 'a/b', '/a..b/c']) {
      const s = base();
      s.linux!.cgroupsPath = good;
      expect(r.cgroupsPath(s), good).toEqual([]);
    }
  });

  it('devices: clean paths under /dev, major/minor unless a fifo', () => {
    const s = base();
    s.linux!.devices = [
      { type: 'c', path: '/dev/fuse', major: 10, minor: 229 },
      { type: 'c', path: '/etc/x', major: 1, minor: 1 },
      { type: 'c', path: '/dev/../etc/x', major: 1, minor: 1 },
      { type: 'b', path: '/dev/sda' },
      { type: 'p', path: '/dev/fifo' },
    ];
    expect(pointers(r.devicePaths(s))).toEqual(['/linux/devices/1/path', '/linux/devices/2/path', '/linux/devices/3']);
  });

  it('masked/readonly paths and hook paths must be absolute', () => {
    const s = base();
    s.linux!.maskedPaths = ['proc/kcore'];
    s.linux!.readonlyPaths = ['/proc/sys'];
    s.hooks = { prestart: [{ path: 'hook' }], poststop: [{ path: '/bin/true' }] };
    expect(pointers(r.absolutePaths(s))).toEqual(['/linux/maskedPaths/0', '/hooks/prestart/0/path']);
  });

  it('settings tdrun cannot apply are errors; their unset spellings are not', () => {
    const s = base();
    s.linux!.mountLabel = '';
    s.linux!.personality = { domain: 'LINUX' };
    s.linux!.netDevices = {};
    s.process!.apparmorProfile = 'docker-default';
    s.process!.selinuxLabel = '';
    s.process!.scheduler = { policy: 'SCHED_OTHER' };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
    s.process!.execCPUAffinity = { initial: '0' };
    s.linux!.intelRdt = { closID: 'x' };
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
    expect(r.unsupportedSettings(s).map((p) => `${p.pointer}: ${p.message}`)).toEqual([
      '/linux/intelRdt: not supported by tdrun yet',
      '/linux/memoryPolicy: not supported by tdrun yet',
      '/process/apparmorProfile: not supported by tdrun yet',
      '/process/scheduler: not supported by tdrun yet',
      '/process/execCPUAffinity: not supported by tdrun yet',
    ]);
  });

  it('personality flags by their kernel names; ioPriority levels 0-7', () => {
    const s = base();
    s.linux!.personality = { domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE', 'NO_SUCH_FLAG'] };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 8 };
    expect(r.personalityAndIoPriority(s).map((p) => `${p.pointer}: ${p.message}`)).toEqual([
      '/linux/personality/flags/1: unknown personality flag "NO_SUCH_FLAG"',
      '/process/ioPriority/priority: must be from 0 (highest) to 7',
    ]);
    s.linux!.personality = { domain: 'LINUX', flags: ['UNAME26'] };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE' };
    expect(r.personalityAndIoPriority(s)).toEqual([]);
  });

  it('seccomp: errnoRet only with ERRNO/TRACE, arguments 0-5, NOTIFY needs a listener and is no default', () => {
    const s = base();
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_NOTIFY',
      defaultErrnoRet: 1,
      listenerPath: 'relative.sock',
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [
        { names: ['mkdir'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 },
        { names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 },
        { names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['write', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' },
      ],
    };
    expect(r.seccompProfile(s).map((p) => `${p.pointer}: ${p.message}`)).toEqual([
      '/linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action',
      '/linux/seccomp/defaultErrnoRet: only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE',
      '/linux/seccomp/listenerPath: "relative.sock" is not an absolute path',
      '/linux/seccomp/syscalls/0/errnoRet: only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE',
      '/linux/seccomp/syscalls/1/errnoRet: must be at most 65535',
      '/linux/seccomp/syscalls/2/args/0/index: a syscall has arguments 0 to 5',
      '/linux/seccomp/syscalls/3/names/1: SCMP_ACT_NOTIFY on sendmsg would block the sending of the notify fd to the listener',
    ]);
  });

  it('seccomp: NOTIFY without a listener is an error; a listener without NOTIFY a warning', () => {
    const s = base();
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
    expect(r.seccompProfile(s)).toEqual([
      { pointer: '/linux/seccomp/syscalls/0/action', message: 'SCMP_ACT_NOTIFY needs /linux/seccomp/listenerPath' },
    ]);
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: '/run/l.sock',
      flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    };
    expect(r.seccompProfile(s)).toEqual([
      { pointer: '/linux/seccomp/listenerPath', message: 'no syscall has the action SCMP_ACT_NOTIFY: the listener gets nothing', warning: true },
      { pointer: '/linux/seccomp/flags/0', message: 'needs a syscall with the action SCMP_ACT_NOTIFY' },
    ]);
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }] };
    expect(r.seccompProfile(s)).toEqual([]);
  });

  it('processRules checks a bare process (for exec)', () => {
    expect(pointers(r.processRules({ cwd: 'x', args: [] }))).toEqual(['/process/args', '/process/cwd']);
  });

  it('every rule is in the list loadConfig runs', () => {
    // the helpers `tdrun audit` shares are exported too; everything else exported is a rule
    const helpers = ['checkRules', 'processRules', 'escapePointer', 'sysctlNamespace'];
    const named = Object.values(r).filter((v) => typeof v === 'function' && !helpers.includes(v.name));
    expect(new Set(r.rules)).toEqual(new Set(named));
  });
});
