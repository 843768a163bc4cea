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

  it('mount options that tdrun cannot honour, bind without source', () => {
    const s = base();
    s.mounts = [
      { destination: '/a', type: 'bind', source: '/x', options: ['nosuid', 'tmpcopyup'] },
      { destination: '/e', type: 'tmpfs', options: ['tmpcopyup'] },
      { destination: '/c', options: ['rbind'] },
      { destination: '/y' },
    ];
    expect(pointers(r.mountOptions(s))).toEqual(['/mounts/0/options/1', '/mounts/2/source', '/mounts/3/type']);
  });

  it('idmapped mounts: bind mounts with both mappings, or idmap/ridmap taking the user namespace\'s', () => {
    const s = base();
    const one = [{ containerID: 0, hostID: 1, size: 1 }];
    s.mounts = [
      { destination: '/ok', source: '/x', options: ['bind'], uidMappings: one, gidMappings: one },
      { destination: '/ok2', source: '/x', options: ['rbind', 'ridmap'], uidMappings: one, gidMappings: one },
      { destination: '/t', type: 'tmpfs', options: ['idmap'], uidMappings: one, gidMappings: one },
      { destination: '/u', source: '/x', options: ['bind'], uidMappings: one },
      { destination: '/g', source: '/x', options: ['bind'], gidMappings: one },
      { destination: '/n', source: '/x', options: ['bind', 'idmap'] },
      { destination: '/z', source: '/x', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1, size: 0 }], gidMappings: one },
    ];
    expect(r.mountOptions(s)).toEqual([
      { pointer: '/mounts/2/options/0', message: 'an idmapped mount must be a bind mount' },
      { pointer: '/mounts/3/gidMappings', message: 'an idmapped mount needs both uidMappings and gidMappings' },
      { pointer: '/mounts/4/uidMappings', message: 'an idmapped mount needs both uidMappings and gidMappings' },
      { pointer: '/mounts/5/options/1', message: '"idmap" without mappings of the mount\'s own takes the user namespace\'s, and the config has none' },
      { pointer: '/mounts/6/uidMappings/0/size', message: 'must not be 0' },
    ]);
    s.linux!.uidMappings = one;
    s.linux!.gidMappings = one;
    expect(pointers(r.mountOptions(s))).not.toContain('/mounts/5/options/1');
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

  it('netDevices: a network namespace, valid interface names, one interface per name', () => {
    const s = base();
    s.linux!.netDevices = { eth0: {} };
    expect(pointers(r.netDevices(s))).toEqual(['/linux/netDevices']);
    s.linux!.namespaces = [{ type: 'mount' }, { type: 'network', path: '/run/netns/x' }];
    expect(r.netDevices(s)).toEqual([]);
    s.linux!.netDevices = { 'e/0': {}, eth1: { name: 'x'.repeat(16) }, eth2: { name: '..' }, eth3: { name: 'in0' }, eth4: { name: 'in0' }, in0: {}, eth5: { name: '' } };
    expect(r.netDevices(s).map((p) => `${p.pointer}: ${p.message}`)).toEqual([
      '/linux/netDevices/e~10: "e/0" is not a valid interface name',
      `/linux/netDevices/eth1/name: "${'x'.repeat(16)}" is not a valid interface name`,
      '/linux/netDevices/eth2/name: ".." is not a valid interface name',
      '/linux/netDevices/eth4/name: "in0" is also the name of eth3 in the container',
      '/linux/netDevices/in0: "in0" is also the name of eth4 in the container',
      '/linux/netDevices/eth5/name: "" is not a valid interface name',
    ]);
  });

  it('config-linux.md#intelrdt: closID names one resctrl group directory', () => {
    const s = base();
    s.linux!.intelRdt = { closID: 'x' };
    expect(r.intelRdt(s)).toEqual([]);
    s.linux!.intelRdt = { closID: '../x' };
    expect(pointers(r.intelRdt(s))).toEqual(['/linux/intelRdt/closID']);
  });

  const messages = (problems: r.Problem[]) => problems.map((p) => `${p.pointer}: ${p.message}${p.warning ? ' (warning)' : ''}`);

  it('config.md#scheduler: priorities 1-99 for SCHED_FIFO/RR only, runtime <= deadline <= period for SCHED_DEADLINE', () => {
    const s = base();
    const check = (scheduler: NonNullable<Spec['process']>['scheduler']) => {
      s.process!.scheduler = scheduler;
      return messages(r.processScheduler(s));
    };
    expect(check({ policy: 'SCHED_FIFO' })).toEqual(['/process/scheduler/priority: must be from 1 to 99 for SCHED_FIFO']);
    expect(check({ policy: 'SCHED_RR', priority: 100 })).toEqual(['/process/scheduler/priority: must be from 1 to 99 for SCHED_RR']);
    expect(check({ policy: 'SCHED_RR', priority: 99, flags: ['SCHED_FLAG_RESET_ON_FORK'] })).toEqual([]);
    expect(check({ policy: 'SCHED_BATCH', priority: 3 })).toEqual(['/process/scheduler/priority: only SCHED_FIFO and SCHED_RR have a priority (SCHED_BATCH needs 0)']);
    expect(check({ policy: 'SCHED_OTHER', nice: -5, priority: 0 })).toEqual([]);
    expect(check({ policy: 'SCHED_FIFO', priority: 1, nice: 3 })).toEqual(['/process/scheduler/nice: has no effect under SCHED_FIFO (the kernel keeps it for a later fair policy) (warning)']);
    expect(check({ policy: 'SCHED_IDLE', runtime: 5 })).toEqual(['/process/scheduler/runtime: applies to SCHED_DEADLINE only, not SCHED_IDLE']);
    expect(check({ policy: 'SCHED_DEADLINE' })).toEqual(['/process/scheduler/runtime: SCHED_DEADLINE needs a runtime of at least 1024 ns']);
    expect(check({ policy: 'SCHED_DEADLINE', runtime: 2000, deadline: 1500 })).toEqual(['/process/scheduler/deadline: SCHED_DEADLINE needs runtime <= deadline']);
    expect(check({ policy: 'SCHED_DEADLINE', runtime: 2000, deadline: 3000, period: 2500 })).toEqual(['/process/scheduler/period: SCHED_DEADLINE needs deadline <= period']);
    // period 0 is the deadline
    expect(check({ policy: 'SCHED_DEADLINE', runtime: 2000, deadline: 3000 })).toEqual([]);
    s.hooks = { startContainer: [{ path: '/bin/true' }] };
    expect(check({ policy: 'SCHED_DEADLINE', runtime: 2000, deadline: 3000 })).toEqual([
      '/process/scheduler/policy: SCHED_DEADLINE cannot fork the startContainer hooks: add SCHED_FLAG_RESET_ON_FORK',
    ]);
    expect(check({ policy: 'SCHED_DEADLINE', runtime: 2000, deadline: 3000, flags: ['SCHED_FLAG_RESET_ON_FORK'] })).toEqual([]);
  });

  it('cpu and node lists: "0-3,7" syntax', () => {
    expect(r.parseIdList('0-3,7')).toEqual([0, 1, 2, 3, 7]);
    expect(r.parseIdList(' 1 , 0 ')).toEqual([0, 1]);
    expect(r.parseIdList('')).toEqual([]);
    for (const bad of ['3-1', '1,,2', '-1', '1-', 'a', '9000']) expect(r.parseIdList(bad), bad).toBeNull();
    const s = base();
    s.process!.execCPUAffinity = { initial: '0-1', final: '2-1' };
    expect(messages(r.execCpuAffinity(s))).toEqual(['/process/execCPUAffinity/final: "2-1" is not a cpu list (e.g. "0-3,7", cpus below 8192)']);
  });

  it('config-linux.md#memory-policy: nodes by mode, STATIC and RELATIVE exclusive', () => {
    const s = base();
    const check = (policy: NonNullable<Spec['linux']>['memoryPolicy']) => {
      s.linux!.memoryPolicy = policy;
      return messages(r.memoryPolicy(s));
    };
    expect(check({ mode: 'MPOL_BIND', nodes: '0-1', flags: ['MPOL_F_STATIC_NODES'] })).toEqual([]);
    expect(check({ mode: 'MPOL_INTERLEAVE' })).toEqual(['/linux/memoryPolicy/nodes: MPOL_INTERLEAVE needs nodes']);
    expect(check({ mode: 'MPOL_LOCAL', nodes: '0' })).toEqual(['/linux/memoryPolicy/nodes: MPOL_LOCAL takes no nodes']);
    expect(check({ mode: 'MPOL_PREFERRED' })).toEqual([]);
    expect(check({ mode: 'MPOL_BIND', nodes: 'x' })).toEqual(['/linux/memoryPolicy/nodes: "x" is not a node list (e.g. "0-3,7")']);
    expect(check({ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] })).toEqual([
      '/linux/memoryPolicy/flags/1: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other',
    ]);
  });

  it('LSM labels: accepted where their LSM is enabled, refused with the reason where not (as runc 1.1 fails them)', () => {
    const s = base();
    s.process!.apparmorProfile = 'docker-default';
    s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
    expect(messages(r.lsmLabels(s, undefined, { apparmor: false, selinux: false }))).toEqual([
      '/process/apparmorProfile: AppArmor is not enabled on this host',
      '/process/selinuxLabel: SELinux is not enabled on this host',
      '/linux/mountLabel: SELinux is not enabled on this host',
    ]);
    expect(r.lsmLabels(s, undefined, { apparmor: true, selinux: true })).toEqual([]);
    s.process!.apparmorProfile = '';
    s.process!.selinuxLabel = '';
    s.linux!.mountLabel = '';
    expect(r.lsmLabels(s, undefined, { apparmor: false, selinux: false })).toEqual([]);
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
    expect(r.seccompProfile(s, { noPivot: false }).map((p) => `${p.pointer}: ${p.message}`)).toEqual([
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
    expect(r.seccompProfile(s, { noPivot: false })).toEqual([
      { pointer: '/linux/seccomp/syscalls/0/action', message: 'SCMP_ACT_NOTIFY needs /linux/seccomp/listenerPath' },
    ]);
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: '/run/l.sock',
      flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    };
    expect(r.seccompProfile(s, { noPivot: false })).toEqual([
      { pointer: '/linux/seccomp/listenerPath', message: 'no syscall has the action SCMP_ACT_NOTIFY: the listener gets nothing', warning: true },
      { pointer: '/linux/seccomp/flags/0', message: 'needs a syscall with the action SCMP_ACT_NOTIFY' },
    ]);
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }] };
    expect(r.seccompProfile(s, { noPivot: false })).toEqual([]);
  });

  it('seccomp: a profile that passed before (its program is cached) is not read again, but for the listener warning', () => {
    const s = base();
    const passed = { noPivot: false, seccompPassed: true };
    const profile = { defaultAction: 'SCMP_ACT_ALLOW' as const };
    Object.defineProperty(profile, 'syscalls', {
      enumerable: true,
      get: () => {
        throw new Error('syscalls read');
      },
    });
    s.linux!.seccomp = profile;
    expect(r.seccompProfile(s, passed)).toEqual([]);
    expect(() => r.seccompProfile(s, { noPivot: false })).toThrow('syscalls read');
    s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    expect(r.seccompProfile(s, passed)).toEqual([
      { pointer: '/linux/seccomp/listenerPath', message: 'no syscall has the action SCMP_ACT_NOTIFY: the listener gets nothing', warning: true },
    ]);
  });

  it('processRules checks a bare process (for exec)', () => {
    expect(pointers(r.processRules({ cwd: 'x', args: [] }))).toEqual(['/process/args', '/process/cwd']);
    expect(r.processProblems({ cwd: '/', args: ['x'], execCPUAffinity: { final: '1-0' } })).toEqual([
      { pointer: '/execCPUAffinity/final', message: '"1-0" is not a cpu list (e.g. "0-3,7", cpus below 8192)' },
    ]);
    expect(pointers(r.processProblems({ cwd: '/', args: ['x'], scheduler: { policy: 'SCHED_RR' } }))).toEqual(['/scheduler/priority']);
  });

  it('every rule is in the list loadConfig runs', () => {
    // the helpers `tdrun audit` shares are exported too; everything else exported is a rule
    const helpers = ['checkRules', 'processRules', 'processProblems', 'parseIdList', 'escapePointer', 'sysctlNamespace'];
    const named = Object.values(r).filter((v) => typeof v === 'function' && !helpers.includes(v.name));
    expect(new Set(r.rules)).toEqual(new Set(named));
  });
});
