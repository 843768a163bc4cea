import { stdio } from './stdio.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileCreatePlan, compileExecPlan, compileMount, compileSeccomp } from './plan.ts';
import { defaultSpec } from './spec/default-config.ts';
import { MOUNT_ATTR, MS } from './spec/mount-options.ts';
import type { Seccomp, Spec } from './spec/types.ts';
import { projectRoot } from './paths.ts';

// this kernel knows every capability tdrun does: pretend it stops at CAP_AUDIT_READ, as 5.3-5.7 do
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = (path: unknown, ...rest: unknown[]) =>
    path === '/proc/sys/kernel/cap_last_cap' ? '37\n' : (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
  return { ...fs, readFileSync };
});

let bundle: string;

beforeAll(() => {
  bundle = mkdtempSync(join(tmpdir(), 'tdrun-plan-'));
  mkdirSync(join(bundle, 'rootfs-real'));
  symlinkSync('rootfs-real', join(bundle, 'rootfs'));
  writeFileSync(join(bundle, 'file'), '');
});

afterAll(() => rmSync(bundle, { recursive: true, force: true }));

const opts = () => ({
  id: 'c1',
  bundle,
  execFifo: '/run/tdrun/c1/exec.fifo',
  consoleSocket: null,
  consoleSocketFd: -1,
  preserveFds: 0,
  noPivot: false,
  noNewKeyring: false,
  cgroup: { paths: { 'cpu,cpuacct': '/sys/fs/cgroup/cpu,cpuacct/c1', memory: '/sys/fs/cgroup/memory/c1', unified: '/sys/fs/cgroup/unified/c1' } },
  rootless: false,
  seccompCache: { key: 'k'.repeat(64), fd: 'directory' as const },
  resctrlTasks: '',
});

const mount = (options: string[], extra: object = {}) =>
  compileMount({ destination: '/m', type: 'tmpfs', source: 'tmpfs', options, ...extra }, bundle);

describe('mount options', () => {
  it('MS_* flags, in order, later options undoing earlier ones', () => {
    expect(mount(['ro', 'nosuid', 'nodev', 'noexec']).flags).toBe(MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
    expect(mount(['ro', 'rw']).flags).toBe(0);
    expect(mount(['nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec']).flags).toBe(0);
    expect(mount(['sync', 'dirsync', 'remount', 'mand']).flags).toBe(MS.SYNCHRONOUS | MS.DIRSYNC | MS.REMOUNT | MS.MANDLOCK);
    expect(mount(['sync', 'async', 'mand', 'nomand']).flags).toBe(0);
    expect(mount(['noatime', 'atime', 'nodiratime']).flags).toBe(MS.NODIRATIME);
    expect(mount(['relatime', 'norelatime', 'strictatime']).flags).toBe(MS.STRICTATIME);
    expect(mount(['strictatime', 'nostrictatime', 'diratime', 'lazytime']).flags).toBe(MS.LAZYTIME);
    expect(mount(['defaults']).flags).toBe(0);
  });

  it('unknown options are filesystem data', () => {
    const m = mount(['nosuid', 'mode=755', 'size=65536k', 'newinstance']);
    expect(m.data).toBe('mode=755,size=65536k,newinstance');
    expect(m.flags).toBe(MS.NOSUID);
  });

  it('propagation options are a list applied in order', () => {
    expect(mount(['rprivate', 'shared', 'rslave', 'unbindable', 'runbindable', 'private', 'rshared', 'slave']).propagation).toEqual([
      MS.PRIVATE | MS.REC,
      MS.SHARED,
      MS.SLAVE | MS.REC,
      MS.UNBINDABLE,
      MS.UNBINDABLE | MS.REC,
      MS.PRIVATE,
      MS.SHARED | MS.REC,
      MS.SLAVE,
    ]);
  });

  it('recursive options become MOUNT_ATTR_* set and clear masks', () => {
    const a = MOUNT_ATTR;
    expect(mount(['rro', 'rnosuid', 'rnodev', 'rnoexec', 'rnodiratime', 'rnosymfollow'])).toMatchObject({
      recursiveAttrSet: a.RDONLY | a.NOSUID | a.NODEV | a.NOEXEC | a.NODIRATIME | a.NOSYMFOLLOW,
      recursiveAttrClear: 0,
    });
    expect(mount(['rrw', 'rsuid', 'rdev', 'rexec', 'rdiratime', 'rsymfollow'])).toMatchObject({
      recursiveAttrSet: 0,
      recursiveAttrClear: a.RDONLY | a.NOSUID | a.NODEV | a.NOEXEC | a.NODIRATIME | a.NOSYMFOLLOW,
    });
    expect(mount(['rro', 'rrw'])).toMatchObject({ recursiveAttrSet: 0, recursiveAttrClear: a.RDONLY });
    // atime modes always clear the whole mask (the kernel refuses a partial one)
    expect(mount(['rnoatime'])).toMatchObject({ recursiveAttrSet: a.NOATIME, recursiveAttrClear: a.ATIME_MASK });
    expect(mount(['rstrictatime'])).toMatchObject({ recursiveAttrSet: a.STRICTATIME, recursiveAttrClear: a.ATIME_MASK });
    expect(mount(['rnoatime', 'rrelatime'])).toMatchObject({ recursiveAttrSet: 0, recursiveAttrClear: a.ATIME_MASK });
    for (const o of ['ratime', 'rnostrictatime']) expect(mount([o])).toMatchObject({ recursiveAttrSet: 0, recursiveAttrClear: a.ATIME_MASK });
    expect(mount(['rnorelatime'])).toMatchObject({ recursiveAttrSet: a.STRICTATIME, recursiveAttrClear: a.ATIME_MASK });
  });

  it('tmpcopyup asks for a copy', () => {
    expect(compileMount({ destination: '/t', type: 'tmpfs', options: ['tmpcopyup', 'size=1m'] }, bundle)).toMatchObject({ copyUp: true, data: 'size=1m' });
    expect(compileMount({ destination: '/t', type: 'tmpfs', options: ['size=1m'] }, bundle)).toMatchObject({ copyUp: false });
  });

  it('idmapped mounts carry their maps: their own, or with idmap/ridmap alone the user namespace\'s', () => {
    const own = { uidMappings: [{ containerID: 1000, hostID: 2000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 5, size: 10 }, { containerID: 10, hostID: 20, size: 1 }] };
    expect(compileMount({ destination: '/d', source: '/x', options: ['bind'], ...own }, bundle)).toMatchObject({
      idmapUids: '1000 2000 1\n',
      idmapGids: '0 5 10\n10 20 1\n',
      idmapRecursive: false,
      data: '',
    });
    const linux = { uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }] };
    expect(compileMount({ destination: '/d', source: '/x', options: ['rbind', 'ridmap'] }, bundle, linux)).toMatchObject({
      idmapUids: '0 100000 65536\n',
      idmapGids: '0 200000 65536\n',
      idmapRecursive: true,
      recursive: true,
      data: '',
    });
    expect(compileMount({ destination: '/d', source: '/x', options: ['bind'] }, bundle, linux)).toMatchObject({ idmapUids: '', idmapGids: '' });
  });

  it('bind mounts: by type or option, sources relative to the bundle, files created as files', () => {
    const byType = compileMount({ destination: '/x/', type: 'bind', source: 'rootfs-real', options: ['ro'] }, bundle);
    expect(byType).toMatchObject({ bind: true, recursive: false, type: '', source: join(bundle, 'rootfs-real'), createAs: 'dir', flags: MS.RDONLY, destination: '/x' });
    const byOption = compileMount({ destination: 'etc/f', type: 'none', source: 'file', options: ['rbind'] }, bundle);
    expect(byOption).toMatchObject({ bind: true, recursive: true, type: '', source: join(bundle, 'file'), createAs: 'file', destination: '/etc/f' });
    const abs = compileMount({ destination: '/a/../b', source: '/nonexistent', options: ['bind'] }, bundle);
    expect(abs).toMatchObject({ source: '/nonexistent', createAs: 'dir', destination: '/b' });
  });
});

describe('compileCreatePlan', () => {
  const spec = (patch: (s: Spec) => void = () => {}): Spec => {
    const s = defaultSpec({ rootless: false });
    patch(s);
    return s;
  };

  it('splits the cgroups into the v1 ones and the cgroup2 one', () => {
    expect(compileCreatePlan(spec(), opts())).toMatchObject({
      cgroupsV1: ['/sys/fs/cgroup/cpu,cpuacct/c1', '/sys/fs/cgroup/memory/c1'],
      cgroupV2: '/sys/fs/cgroup/unified/c1',
    });
    const v1Only = compileCreatePlan(spec(), { ...opts(), cgroup: { paths: { memory: '/sys/fs/cgroup/memory/c1' } } });
    expect(v1Only).toMatchObject({ cgroupsV1: ['/sys/fs/cgroup/memory/c1'], cgroupV2: null });
  });

  it('resolves the rootfs against the bundle, symlinks followed', () => {
    const plan = compileCreatePlan(spec(), opts());
    expect(plan.rootfs).toBe(join(bundle, 'rootfs-real'));
    expect(plan.rootfsReadonly).toBe(true);
    expect(() => compileCreatePlan(spec((s) => (s.root!.path = 'missing')), opts())).toThrow(
      'root.path missing: no such file or directory',
    );
    expect(() => compileCreatePlan(spec((s) => (s.root!.path = 'file')), opts())).toThrow('root.path file: not a directory');
  });

  it('namespaces: new ones as CLONE_NEW* bits, joined ones user first and mount last', () => {
    const plan = compileCreatePlan(
      spec((s) => {
        s.linux!.namespaces = [
          { type: 'mount', path: '/proc/1/ns/mnt' },
          { type: 'pid' },
          { type: 'network', path: '/var/run/netns/n' },
          { type: 'user', path: '/proc/1/ns/user' },
          { type: 'time' },
          { type: 'cgroup' },
        ];
        s.linux!.timeOffsets = { monotonic: { secs: 10 }, boottime: { secs: -5, nanosecs: 7 } };
      }),
      opts(),
    );
    expect(plan.newNamespaces).toBe(0x20000000 | 0x80 | 0x02000000);
    expect(plan.joinNamespaces).toEqual([
      { type: 0x10000000, path: '/proc/1/ns/user' },
      { type: 0x40000000, path: '/var/run/netns/n' },
      { type: 0x00020000, path: '/proc/1/ns/mnt' },
    ]);
    expect(plan.becomeRootInUserns).toBe(true);
    expect(plan.bindDevices).toBe(true);
    expect(plan.timeOffsets).toEqual(['monotonic 10 0', 'boottime -5 7']);
  });

  it('the default spec: no user namespace, rslave root, hostname, runc-like process', () => {
    const plan = compileCreatePlan(spec(), opts());
    expect(plan.mode).toBe('create');
    expect(plan.becomeRootInUserns).toBe(false);
    expect(plan.bindDevices).toBe(false);
    // rootless tdrun is in a user namespace (rootless podman's) even when the config has none
    expect(compileCreatePlan(spec(), { ...opts(), rootless: true }).bindDevices).toBe(true);
    expect(plan.rootfsPropagation).toBe(MS.SLAVE | MS.REC);
    expect(plan.hostname).toBe('tdrun');
    expect(plan.domainname).toBeNull();
    expect(plan.defaultDevSymlinks).toBe(true);
    expect(plan.execFifo).toBe('/run/tdrun/c1/exec.fifo');
    expect(plan.process).toEqual({
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      uid: 0,
      gid: 0,
      umask: 0o022,
      additionalGids: [],
      terminal: true,
      consoleSize: null,
      capabilities: { bounding: [29, 5, 10], effective: [29, 5, 10], inheritable: [], permitted: [29, 5, 10], ambient: [] },
      rlimits: [{ type: 7, soft: '1024', hard: '1024' }],
      noNewPrivileges: true,
      oomScoreAdj: null,
      ioPriority: null,
      personality: null,
    });
    expect(plan.mounts.map((m) => m.destination)).toEqual(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
  });

  it('rootfsPropagation maps to MS_* flags', () => {
    expect(compileCreatePlan(spec((s) => (s.linux!.rootfsPropagation = 'shared')), opts()).rootfsPropagation).toBe(MS.SHARED);
    expect(compileCreatePlan(spec((s) => (s.linux!.rootfsPropagation = 'rprivate')), opts()).rootfsPropagation).toBe(MS.PRIVATE | MS.REC);
  });

  it('devices: the defaults, then the config, one per path', () => {
    const plan = compileCreatePlan(
      spec((s) => {
        s.linux!.devices = [
          { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o20600, uid: 1, gid: 2 },
          { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600 },
          { type: 'p', path: '/dev/fifo' },
        ];
      }),
      opts(),
    );
    expect(plan.devices.map((d) => `${d.path} ${d.type} ${d.major}:${d.minor} ${d.mode.toString(8)} ${d.uid}:${d.gid}`)).toEqual([
      '/dev/null c 1:3 600 0:0',
      '/dev/zero c 1:5 666 0:0',
      '/dev/full c 1:7 666 0:0',
      '/dev/random c 1:8 666 0:0',
      '/dev/urandom c 1:9 666 0:0',
      '/dev/tty c 5:0 666 0:0',
      '/dev/fuse c 10:229 600 1:2',
      '/dev/fifo p 0:0 666 0:0',
    ]);
  });

  it('capabilities: those this kernel lacks warned about once and skipped; rlimits as decimal strings', () => {
    const write = vi.spyOn(stdio, 'err').mockImplementation(() => {});
    try {
      const plan = compileCreatePlan(
        spec((s) => {
          s.process!.capabilities = { bounding: ['CAP_CHOWN', 'CAP_BPF', 'CAP_AUDIT_READ'], ambient: ['CAP_BPF'] };
          s.process!.rlimits = [
            { type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 },
            { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
          ];
        }),
        opts(),
      );
      expect(plan.process!.capabilities).toEqual({ bounding: [0, 37], effective: [], inheritable: [], permitted: [], ambient: [] });
      expect(write.mock.calls.filter((c) => String(c[0]).includes('capability CAP_BPF is not known to this kernel, ignored'))).toHaveLength(1);
      expect(plan.process!.rlimits).toEqual([
        { type: 4, soft: '18446744073709551615', hard: '18446744073709551615' },
        { type: 7, soft: '1024', hard: '4096' },
      ]);
    } finally {
      write.mockRestore();
    }
  });

  it('no capabilities in the config: keep what the process has', () => {
    expect(compileCreatePlan(spec((s) => delete s.process!.capabilities), opts()).process!.capabilities).toBeNull();
  });

  it('user, umask, console size, oom score', () => {
    const p = compileCreatePlan(
      spec((s) => {
        s.process!.user = { uid: 1000, gid: 100, umask: 0o077, additionalGids: [5, 6] };
        s.process!.consoleSize = { height: 24, width: 80 };
        s.process!.oomScoreAdj = -500;
      }),
      opts(),
    ).process;
    expect(p).toMatchObject({ uid: 1000, gid: 100, umask: 0o077, additionalGids: [5, 6], consoleSize: { height: 24, width: 80 }, oomScoreAdj: -500 });
  });

  it('hooks: syncHooks when any hook runs before start; init hooks compiled', () => {
    expect(compileCreatePlan(spec(), opts()).syncHooks).toBe(false);
    expect(compileCreatePlan(spec((s) => (s.hooks = { poststart: [{ path: '/bin/true' }] })), opts()).syncHooks).toBe(false);
    for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer'] as const) {
      expect(compileCreatePlan(spec((s) => (s.hooks = { [kind]: [{ path: '/bin/true' }] })), opts()).syncHooks, kind).toBe(true);
    }
    const plan = compileCreatePlan(
      spec((s) => (s.hooks = { createContainer: [{ path: '/bin/hook', args: ['hook', 'a'], env: ['X=1'], timeout: 5 }], startContainer: [{ path: '/bin/true' }] })),
      opts(),
    );
    expect(plan.hooks).toEqual({
      createContainer: [{ path: '/bin/hook', args: ['hook', 'a'], env: ['X=1'], timeout: 5 }],
      startContainer: [{ path: '/bin/true', args: ['/bin/true'], env: [], timeout: 0 }],
    });
  });

  it('sysctl, masked and readonly paths copied; a bind-mounted /dev gets no default symlinks', () => {
    const plan = compileCreatePlan(
      spec((s) => {
        s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
        s.mounts![1] = { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] };
      }),
      opts(),
    );
    expect(plan.sysctl).toEqual([{ key: 'net.ipv4.ip_forward', value: '1' }]);
    expect(plan.maskedPaths).toContain('/proc/kcore');
    expect(plan.readonlyPaths).toContain('/proc/sys');
    expect(plan.defaultDevSymlinks).toBe(false);
  });
});

describe('process scheduling fields', () => {
  it('scheduler and memoryPolicy become sched_attr and set_mempolicy values; unset, their keys are absent', () => {
    const s = { ...defaultSpec({ rootless: false }), root: { path: 'rootfs' } };
    s.process!.scheduler = { policy: 'SCHED_DEADLINE', flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_DL_OVERRUN'], runtime: 2000, deadline: 3000, period: 4000 };
    s.process!.execCPUAffinity = { initial: '0', final: '0-1' };
    s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,2-3', flags: ['MPOL_F_STATIC_NODES'] };
    const p = compileCreatePlan(s, opts()).process!;
    expect(p.scheduler).toEqual({ policy: 6, flags: 0x05, nice: 0, priority: 0, runtime: '2000', deadline: '3000', period: '4000' });
    expect(p.memoryPolicy).toEqual({ mode: 2 | (1 << 15), nodes: [0, 2, 3] });
    // config.md: execCPUAffinity is not applicable to the container's init
    expect(p.cpuAffinityInitial).toBeUndefined();
    const plain = JSON.stringify(compileCreatePlan({ ...defaultSpec({ rootless: false }), root: { path: 'rootfs' } }, opts()).process);
    for (const key of ['scheduler', 'memoryPolicy', 'cpuAffinityInitial', 'cpuAffinityFinal', 'execLabels']) expect(plain).not.toContain(key);
  });

  it('exec gets execCPUAffinity as cpu numbers', () => {
    const o = { id: 'c1', initPid: 1, namespaces: [], consoleSocket: null, consoleSocketFd: -1, preserveFds: 0, cgroup: { paths: {} }, resctrlTasks: '' };
    const p = compileExecPlan({ cwd: '/', args: ['x'], execCPUAffinity: { initial: '1', final: '0-1' } }, o).process!;
    expect(p).toMatchObject({ cpuAffinityInitial: [1], cpuAffinityFinal: [0, 1] });
    expect(compileExecPlan({ cwd: '/', args: ['x'], execCPUAffinity: { initial: '' } }, o).process).not.toHaveProperty('cpuAffinityInitial');
  });
});

describe('compileExecPlan', () => {
  it("joins every namespace of the container through the init's /proc entries", () => {
    const plan = compileExecPlan(
      { cwd: '/tmp', args: ['ps'], user: { uid: 1, gid: 1 }, terminal: false },
      {
        id: 'c1',
        initPid: 4242,
        namespaces: [{ type: 'mount' }, { type: 'network', path: '/var/run/netns/n' }, { type: 'pid' }, { type: 'user' }, { type: 'time' }],
        consoleSocket: '/tmp/sock',
        consoleSocketFd: -1,
        preserveFds: 2,
        cgroup: { paths: { unified: '/sys/fs/cgroup/c1' } },
        resctrlTasks: '/sys/fs/resctrl/c1/tasks',
      },
    );
    expect(plan.mode).toBe('exec');
    expect(plan.resctrlTasks).toBe('/sys/fs/resctrl/c1/tasks');
    expect(plan.newNamespaces).toBe(0);
    expect(plan.joinNamespaces).toEqual([
      { type: 0x10000000, path: '/proc/4242/ns/user' },
      { type: 0x40000000, path: '/proc/4242/ns/net' },
      { type: 0x20000000, path: '/proc/4242/ns/pid' },
      { type: 0x80, path: '/proc/4242/ns/time' },
      { type: 0x00020000, path: '/proc/4242/ns/mnt' },
    ]);
    expect(plan.becomeRootInUserns).toBe(true);
    expect(plan).toMatchObject({ cgroupsV1: [], cgroupV2: '/sys/fs/cgroup/c1' });
    expect(plan).toMatchObject({ preserveFds: 2, consoleSocket: '/tmp/sock', mounts: [], devices: [], syncHooks: false, execFifo: '' });
    expect(plan.process).toMatchObject({ args: ['ps'], cwd: '/tmp', uid: 1, gid: 1, umask: 0o022 });
  });

});

describe('compileSeccomp', () => {
  const state = { ociVersion: '1.3.0', id: 'c1', status: 'creating' as const, bundle: '/b' };

  it('turns names into SECCOMP_RET_* values, errno EPERM by default, flags into bits', () => {
    const plan = compileSeccomp(
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 38,
        architectures: ['SCMP_ARCH_X86'],
        flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
        syscalls: [
          { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
          { names: ['rmdir'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
          { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
          { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS' },
          { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2 ** 64 - 1, op: 'SCMP_CMP_MASKED_EQ', valueTwo: 8 }] },
        ],
      },
      state,
      null,
    );
    expect(plan).toEqual({
      defaultAction: 0x00050026,
      architectures: ['SCMP_ARCH_X86'],
      flags: 6,
      rules: [
        { names: ['mkdir'], action: 0x00050001, args: [] },
        { names: ['rmdir'], action: 0x7ff00007, args: [] },
        { names: ['getpid'], action: 0x7fff0000, args: [] },
        { names: ['kill'], action: 0x80000000, args: [] },
        { names: ['personality'], action: 0x7fff0000, args: [{ index: 0, value: '18446744073709551615', valueTwo: '8', op: 7 }] },
      ],
      listenerPath: null,
      listenerMessageHead: '',
      cache: null,
    });
  });

  it('with the cached program, leaves out what only a compile needs: the rules and architectures', () => {
    const cache = { key: 'k'.repeat(64), fd: 'program' } as const;
    const profile: Seccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      listenerPath: '/run/l.sock',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
    };
    const plan = compileSeccomp(profile, state, cache);
    expect(plan).toMatchObject({ defaultAction: 0x00050001, architectures: [], flags: 2, rules: [], listenerPath: '/run/l.sock', cache });
    expect(plan.listenerMessageHead).toContain('"seccompFd"');
    // a miss: the rules go to tdrun-init, which writes the program into the directory
    expect(compileSeccomp(profile, state, { ...cache, fd: 'directory' }).rules).toHaveLength(1);
  });

  it("gives tdrun-init the listener's containerProcessState up to the pids it fills in", () => {
    const plan = compileSeccomp(
      { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock', listenerMetadata: 'meta', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] },
      { ...state, annotations: { a: 'b' } },
      null,
    );
    expect(plan.rules[0].action).toBe(0x7fc00000);
    expect(plan.listenerPath).toBe('/run/l.sock');
    // what tdrun-init appends (addon/init/seccomp.cc)
    const message = JSON.parse(plan.listenerMessageHead + ',"pid":42},"pid":42}');
    expect(message).toEqual({
      ociVersion: '1.3.0',
      fds: ['seccompFd'],
      pid: 42,
      metadata: 'meta',
      state: { ociVersion: '1.3.0', id: 'c1', status: 'creating', bundle: '/b', annotations: { a: 'b' }, pid: 42 },
    });
  });

  it('create takes linux.seccomp; exec the container\'s profile, none without one', () => {
    const spec = defaultSpec({ rootless: false });
    expect(compileCreatePlan(spec, opts()).seccomp).toBeNull();
    spec.linux!.seccomp = { defaultAction: 'SCMP_ACT_LOG' };
    expect(compileCreatePlan(spec, opts()).seccomp).toMatchObject({ defaultAction: 0x7ffc0000, cache: { key: 'k'.repeat(64), fd: 'directory' } });
    const o = { id: 'c1', initPid: 1, namespaces: [], consoleSocket: null, consoleSocketFd: -1, preserveFds: 0, cgroup: { paths: {} }, resctrlTasks: '' };
    expect(compileExecPlan({ cwd: '/', args: ['x'] }, o).seccomp).toBeNull();
    const withProfile = compileExecPlan({ cwd: '/', args: ['x'] }, { ...o, seccomp: { profile: { defaultAction: 'SCMP_ACT_KILL' }, state, cache: { key: 'e'.repeat(64), fd: 'program' } } });
    expect(withProfile.seccomp).toMatchObject({ defaultAction: 0, cache: { key: 'e'.repeat(64), fd: 'program' } });
  });
});

// The plan is written by src/plan.ts and read by addon/init/plan.cc, which refuses a member it
// does not read: its unit tests (ctest), then the plans compiled here, handed to it as they are.
describe("the plan as tdrun-init reads it (addon/init/plan.cc, ctest's plan-test)", () => {
  const planTest = join(projectRoot, 'build/plan-test');
  const state = { ociVersion: '1.3.0', id: 'c1', status: 'creating' as const, bundle: '/b', annotations: {} };

  it('passes its unit tests', () => {
    const r = spawnSync('ctest', ['--test-dir', 'build', '-R', '^plan$', '--output-on-failure'], { cwd: projectRoot, encoding: 'utf8' });
    expect(r.error, 'ctest must be installed (cmake brings it)').toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('reads every member of the plans src/plan.ts compiles, create and exec', () => {
    const full = defaultSpec({ rootless: false });
    full.hostname = 'h';
    full.domainname = 'd';
    full.process!.terminal = true;
    full.process!.consoleSize = { height: 24, width: 80 };
    full.process!.oomScoreAdj = 100;
    full.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
    full.process!.user = { ...full.process!.user!, umask: 0o027, additionalGids: [5] };
    full.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    full.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }];
    full.linux!.namespaces!.push({ type: 'user' }, { type: 'time' });
    full.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    full.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    full.linux!.timeOffsets = { monotonic: { secs: 1, nanosecs: 0 } };
    full.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      listenerPath: '/run/listener.sock',
      syscalls: [
        { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
        { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
      ],
    };
    full.mounts!.push({ destination: '/data', type: 'bind', source: 'file', options: ['rbind', 'rro', 'rprivate'] });
    full.mounts!.push({ destination: '/mapped', type: 'bind', source: 'file', options: ['rbind', 'ridmap'] });
    full.linux!.netDevices = { eth1: { name: 'in1' } };
    full.linux!.intelRdt = { closID: 'g' };
    full.hooks = { createContainer: [{ path: '/bin/hook', args: ['hook'], env: ['X=1'], timeout: 5 }], startContainer: [{ path: '/bin/true' }] };
    const execOpts = { id: 'c1', initPid: 1, namespaces: full.linux!.namespaces!, consoleSocket: '/tmp/sock', consoleSocketFd: 3, preserveFds: 1, cgroup: { paths: {} }, resctrlTasks: '/sys/fs/resctrl/g/tasks' };
    const plans = {
      'create-default': compileCreatePlan(defaultSpec({ rootless: false }), opts()),
      'create-full': compileCreatePlan(full, { ...opts(), resctrlTasks: '/sys/fs/resctrl/g/tasks' }),
      'create-no-process': compileCreatePlan({ ...defaultSpec({ rootless: false }), process: undefined }, opts()),
      exec: compileExecPlan(full.process!, { ...execOpts, seccomp: { profile: full.linux!.seccomp, state, cache: { key: 'e'.repeat(64), fd: 'program' } } }),
    };
    const dir = mkdtempSync(join(tmpdir(), 'tdrun-plans-'));
    try {
      const files = Object.entries(plans).map(([name, plan]) => {
        writeFileSync(join(dir, name), JSON.stringify(plan));
        return join(dir, name);
      });
      const r = spawnSync(planTest, files, { encoding: 'utf8' });
      expect(r.error, `${planTest} (npm run build)`).toBeUndefined();
      expect(r.stdout.trim().split('\n')).toEqual(files.map((f) => `${f}: ok`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
