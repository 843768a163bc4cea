// config-linux.md#seccomp: linux.seccomp filters the container's process (and exec'd ones) with
// every action, operator and flag of the spec; runtime.md#containerProcessState for the listener.
// The probe's `try` verb makes syscalls and reports their errno (spec-tests/probe/probe.cc).
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle, runProbe, type Config } from './lib/bundle.ts';
import { startSleeper, waitStatus } from './lib/containers.ts';
import { collect, projectRoot, Runtime, skipReason, sleep } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('seccomp');
afterAll(() => rt.cleanup());

const EPERM = 1;
const ENOSYS = 38;
const EOPNOTSUPP = 95;
const SIGSYS_EXIT = 128 + 31;

// The shape of docker's and podman's default profiles: everything harmless allowed by name, the
// rest the default errno. Left out on purpose: mkdir and mkdirat (to see the default), clone3
// (tdrun must make it ENOSYS), everything numbered above faccessat2 (439: the ENOSYS stub), and
// the syscalls that need privileges. UNKNOWN_HERE are names newer than this host's libseccomp.
const ALLOWED = `
  read write open close stat fstat lstat poll lseek mmap mprotect munmap brk rt_sigaction rt_sigprocmask
  rt_sigreturn ioctl pread64 pwrite64 readv writev access pipe select sched_yield mremap msync mincore madvise
  shmget shmat shmctl dup dup2 pause nanosleep getitimer alarm setitimer getpid sendfile socket connect accept
  sendto recvfrom sendmsg recvmsg shutdown bind listen getsockname getpeername socketpair setsockopt getsockopt
  clone fork vfork execve exit wait4 kill uname semget semop semctl shmdt msgget msgsnd msgrcv msgctl fcntl
  flock fsync fdatasync truncate ftruncate getdents getcwd chdir fchdir rename rmdir creat link unlink symlink
  readlink chmod fchmod chown fchown lchown umask gettimeofday getrlimit getrusage sysinfo times ptrace getuid
  syslog getgid setuid setgid geteuid getegid setpgid getppid getpgrp setsid setreuid setregid getgroups
  setgroups setresuid getresuid setresgid getresgid getpgid setfsuid setfsgid getsid capget capset
  rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend sigaltstack utime mknod personality statfs
  fstatfs getpriority setpriority sched_setparam sched_getparam sched_setscheduler sched_getscheduler
  sched_get_priority_max sched_get_priority_min sched_rr_get_interval mlock munlock mlockall munlockall
  modify_ldt prctl arch_prctl setrlimit chroot sync sethostname setdomainname gettid readahead setxattr
  lsetxattr fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr
  fremovexattr tkill time futex sched_setaffinity sched_getaffinity set_thread_area io_setup io_destroy
  io_getevents io_submit io_cancel get_thread_area epoll_create remap_file_pages getdents64 set_tid_address
  restart_syscall semtimedop fadvise64 timer_create timer_settime timer_gettime timer_getoverrun timer_delete
  clock_gettime clock_getres clock_nanosleep exit_group epoll_wait epoll_ctl tgkill utimes mbind set_mempolicy
  get_mempolicy mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr waitid add_key
  request_key keyctl ioprio_set ioprio_get inotify_init inotify_add_watch inotify_rm_watch migrate_pages openat
  mknodat fchownat futimesat newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat faccessat
  pselect6 ppoll unshare set_robust_list get_robust_list splice tee sync_file_range vmsplice move_pages
  utimensat epoll_pwait signalfd timerfd_create eventfd fallocate timerfd_settime timerfd_gettime accept4
  signalfd4 eventfd2 epoll_create1 dup3 pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo recvmmsg
  fanotify_init fanotify_mark prlimit64 name_to_handle_at syncfs sendmmsg setns getcpu process_vm_readv
  process_vm_writev kcmp sched_setattr sched_getattr renameat2 seccomp getrandom memfd_create execveat
  membarrier mlock2 copy_file_range preadv2 pwritev2 pkey_mprotect pkey_alloc pkey_free statx io_pgetevents
  rseq pidfd_send_signal io_uring_setup io_uring_enter io_uring_register pidfd_open close_range openat2
  pidfd_getfd faccessat2
`.split(/\s+/).filter(Boolean);
const UNKNOWN_HERE = ['mseal', 'listmount', 'statmount', 'lsm_get_self_attr', 'tdrun_future_syscall'];

function dockerShaped(defaultErrnoRet?: number): Config {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: [...ALLOWED, ...UNKNOWN_HERE], action: 'SCMP_ACT_ALLOW' }],
  };
}

/** Runs `/probe try OPS...` under `seccomp`; returns each op's {ret, errno, trapped}. */
async function tryUnder(seccomp: Config, ops: string[], edit?: (c: Config) => void) {
  const { json, result } = await runProbe(rt, (c) => {
    c.linux.seccomp = seccomp;
    edit?.(c);
  }, ['try', ...ops]);
  expect(result.code, result.stderr).toBe(0);
  return { ops: json as Record<string, { ret: number; errno: number; trapped: boolean }>, stderr: result.stderr };
}

const allowExcept = (action: string, names: string[], extra: Config = {}): Config => ({
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [{ names, action, ...extra }],
});

describe.skipIf(!!why)('config-linux.md#seccomp', () => {
  it('SCMP_ACT_ERRNO returns errnoRet (EPERM without one) for the named syscalls only', async () => {
    const { ops } = await tryUnder(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
          { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', errnoRet: EOPNOTSUPP },
        ],
      },
      ['mkdir=/tmp/a', 'sys=84,0', 'getpid', 'clone3'],
    );
    expect(ops['mkdir=/tmp/a'].errno).toBe(EPERM);
    expect(ops['sys=84,0'].errno).toBe(EOPNOTSUPP); // rmdir(NULL): EFAULT without the filter
    expect(ops.getpid).toMatchObject({ errno: 0, ret: 1 });
    expect(ops.clone3.errno).toBe(22); // the kernel's EINVAL: a permissive default gets no ENOSYS rule
  });

  it('a profile of docker\'s shape: the default errno, ENOSYS for clone3 and newer syscalls, unknown names skipped', async () => {
    const { ops, stderr } = await tryUnder(dockerShaped(), ['mkdir=/tmp/a', 'getpid', 'clone3', 'sys=441,0,0,0,0,0', 'sys=1000']);
    expect(ops['mkdir=/tmp/a'].errno).toBe(EPERM);
    expect(ops.getpid).toMatchObject({ errno: 0, ret: 1 });
    // glibc falls back from clone3 to clone only on ENOSYS
    expect(ops.clone3.errno).toBe(ENOSYS);
    // epoll_pwait2 (441) is newer than everything the profile names; 1000 is unknown to all
    expect(ops['sys=441,0,0,0,0,0'].errno).toBe(ENOSYS);
    expect(ops['sys=1000'].errno).toBe(ENOSYS);
    expect(stderr).toMatch(/warning: seccomp: syscalls unknown to libseccomp [\d.]+ skipped: .*tdrun_future_syscall/);
    expect(stderr).not.toMatch(/getpid/);
  });

  it('defaultErrnoRet is the errno of everything the profile does not allow', async () => {
    const { ops } = await tryUnder(dockerShaped(EOPNOTSUPP), ['mkdir=/tmp/a', 'clone3']);
    expect(ops['mkdir=/tmp/a'].errno).toBe(EOPNOTSUPP);
    expect(ops.clone3.errno).toBe(ENOSYS);
  });

  it('busybox sh runs fine under a profile of docker\'s shape', async () => {
    const id = rt.id('sh');
    const b = makeBundle(rt, id, (c) => {
      c.linux.seccomp = dockerShaped();
      c.process.args = ['sh', '-c', 'echo hello; ls / > /dev/null && cat /etc/hostname; mkdir /tmp/x || echo refused'];
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello\ntemplate\nrefused\n');
  });

  for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD']) {
    it(`${action} kills the process with SIGSYS`, async () => {
      const id = rt.id('kill');
      const b = makeBundle(rt, id, (c) => {
        c.linux.seccomp = allowExcept(action, ['mkdir']);
        c.process.args = ['/probe', 'try', 'getpid', 'mkdir=/tmp/a'];
      });
      const result = await rt.run(['run', '-b', b.dir, id]);
      expect(result.code).toBe(SIGSYS_EXIT);
      expect(result.stdout).toBe('');
    });
  }

  it('SCMP_ACT_TRAP sends SIGSYS, which the process may catch', async () => {
    const { ops } = await tryUnder(allowExcept('SCMP_ACT_TRAP', ['mkdir']), ['mkdir=/tmp/a', 'getpid']);
    expect(ops['mkdir=/tmp/a'].trapped).toBe(true);
    expect(ops.getpid.trapped).toBe(false);
  });

  it('SCMP_ACT_LOG allows (and logs); SCMP_ACT_TRACE without a tracer is ENOSYS', async () => {
    const { ops } = await tryUnder(
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_LOG' }, { names: ['rmdir'], action: 'SCMP_ACT_TRACE' }] },
      ['mkdir=/dev/shm/a', 'sys=84,0'],
    );
    expect(ops['mkdir=/dev/shm/a']).toMatchObject({ ret: 0, errno: 0 });
    expect(ops['sys=84,0'].errno).toBe(ENOSYS);
  });

  it('args: every operator; conditions on two arguments all hold, two on one argument are alternatives', async () => {
    const HIT = 99;
    const rule = (name: string, args: Config[]) => ({ names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: HIT, args });
    const arg0 = (op: string, value: number, valueTwo?: number) => ({ index: 0, value, op, ...(valueTwo !== undefined ? { valueTwo } : {}) });
    // harmless syscalls with integer arguments: getpgid 121, getsid 124, sched_getscheduler 145,
    // sched_get_priority_max 146 / min 147, ioprio_get 252, getpriority 140, getitimer 36
    const cases: [number, Config[], Record<number, boolean>][] = [
      [121, [arg0('SCMP_CMP_NE', 10)], { 5: true, 10: false, 20: true }],
      [124, [arg0('SCMP_CMP_LT', 10)], { 5: true, 10: false, 20: false }],
      [145, [arg0('SCMP_CMP_LE', 10)], { 5: true, 10: true, 20: false }],
      [146, [arg0('SCMP_CMP_EQ', 10)], { 5: false, 10: true, 20: false }],
      [147, [arg0('SCMP_CMP_GE', 10)], { 5: false, 10: true, 20: true }],
      [252, [arg0('SCMP_CMP_GT', 10)], { 5: false, 10: false, 20: true }],
      [140, [arg0('SCMP_CMP_MASKED_EQ', 0xf0, 0x10)], { 0x15: true, 0x10: true, 0x25: false }],
      [36, [arg0('SCMP_CMP_EQ', 7), arg0('SCMP_CMP_EQ', 9)], { 7: true, 9: true, 8: false }],
    ];
    const names: Record<number, string> = { 121: 'getpgid', 124: 'getsid', 145: 'sched_getscheduler', 146: 'sched_get_priority_max', 147: 'sched_get_priority_min', 252: 'ioprio_get', 140: 'getpriority', 36: 'getitimer' };
    const syscalls = cases.map(([nr, args]) => rule(names[nr], args));
    // two arguments: getpriority(which, who) is only refused when both match
    syscalls.push(rule('setpriority', [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 3, op: 'SCMP_CMP_EQ' }]));
    const ops = cases.flatMap(([nr, , expect]) => Object.keys(expect).map((v) => `sys=${nr},${v}`));
    ops.push('sys=141,1,3,0', 'sys=141,1,4,0', 'sys=141,2,3,0');
    const { ops: seen } = await tryUnder({ defaultAction: 'SCMP_ACT_ALLOW', syscalls }, ops);
    for (const [nr, , want] of cases)
      for (const [v, hit] of Object.entries(want)) expect(seen[`sys=${nr},${v}`].errno === HIT, `${names[nr]}(${v})`).toBe(hit);
    expect(seen['sys=141,1,3,0'].errno).toBe(HIT);
    expect(seen['sys=141,1,4,0'].errno).not.toBe(HIT);
    expect(seen['sys=141,2,3,0'].errno).not.toBe(HIT);
  });

  for (const noNewPrivileges of [true, false]) {
    it(`a non-root process (uid 1000) is filtered ${noNewPrivileges ? 'with' : 'without'} noNewPrivileges`, async () => {
      const id = rt.id('user');
      const b = makeBundle(rt, id, (c) => {
        c.linux.seccomp = allowExcept('SCMP_ACT_ERRNO', ['mkdir']);
        c.process.noNewPrivileges = noNewPrivileges;
        c.process.user = { uid: 1000, gid: 1000 };
        c.process.args = ['sh', '-c', '/probe && /probe try mkdir=/tmp/a'];
      });
      const r = await rt.run(['run', '-b', b.dir, id]);
      expect(r.code, r.stderr).toBe(0);
      const [status, tried] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(status).toMatchObject({ uid: 1000, seccomp: '2', seccompFilters: '1', noNewPrivs: noNewPrivileges ? 1 : 0 });
      expect(tried['mkdir=/tmp/a'].errno).toBe(EPERM);
    });
  }

  it("exec'd processes get the container's filter, with and without --no-new-privs", async () => {
    const b = await startSleeper(rt, (c) => {
      c.linux.seccomp = allowExcept('SCMP_ACT_ERRNO', ['mkdir'], { errnoRet: EOPNOTSUPP });
      c.process.noNewPrivileges = false;
    });
    const status = JSON.parse((await rt.ok(['exec', b.id, '/probe'])).stdout);
    expect(status).toMatchObject({ seccomp: '2', seccompFilters: '1' });
    for (const flags of [[], ['--no-new-privs']]) {
      const tried = JSON.parse((await rt.ok(['exec', ...flags, b.id, '/probe', 'try', 'mkdir=/tmp/a'])).stdout);
      expect(tried['mkdir=/tmp/a'].errno, flags.join(' ')).toBe(EOPNOTSUPP);
    }
  });

  it('a bad action is one error line naming its JSON pointer; nothing is left behind', async () => {
    const id = rt.id('bad');
    const b = makeBundle(rt, id, (c) => {
      c.linux.seccomp = dockerShaped();
      c.linux.seccomp.syscalls.push({ names: ['a'], action: 'SCMP_ACT_ALLOW' }, { names: ['b'], action: 'SCMP_ACT_ALLOW' });
      c.linux.seccomp.syscalls.push({ names: ['mkdir'], action: 'SCMP_ACT_REFUSE' });
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`tdrun: create ${id}: config.json /linux/seccomp/syscalls/3/action: must be equal to one of the allowed values\n`);
    expect((await rt.run(['state', id])).code).not.toBe(0);
  });

  it('an architecture libseccomp does not know fails create with a clear error, leaving nothing', async () => {
    const id = rt.id('arch');
    const b = makeBundle(rt, id, (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_TDRUN'] }));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: seccomp: architecture SCMP_ARCH_TDRUN is not supported by libseccomp [\\d.]+\\n$`));
    expect((await rt.run(['state', id])).code).not.toBe(0);
  });
});

describe.skipIf(!!why)('config-linux.md#seccomp: SCMP_ACT_NOTIFY and the listener (runtime.md#containerProcessState)', () => {
  /** Starts the agent on `sock`; resolves once it listens, with the promise of its output and
   *  the lines it printed so far. */
  const listener = async (sock: string, mode: string[]) => {
    const agent = spawn('python3', [join(projectRoot, 'spec-tests/lib/seccomp-listener.py'), sock, ...mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(agent, 30_000);
    const lines: string[] = [];
    const reader = createInterface({ input: agent.stdout! });
    await new Promise<void>((resolve) => reader.once('line', () => resolve()));
    reader.on('line', (line) => lines.push(line));
    return { done, lines };
  };
  const notifyProfile = (sock: string): Config => ({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: sock,
    listenerMetadata: 'tdrun-spec-test',
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
  });

  for (const noNewPrivileges of [true, false]) {
    it(`the listener gets the notify fd and the state, and answers (${noNewPrivileges ? 'with' : 'without'} noNewPrivileges)`, async () => {
      const id = rt.id('notify');
      const b = makeBundle(rt, id, (c) => {
        c.process.noNewPrivileges = noNewPrivileges;
        c.process.args = ['/probe', 'try', 'mkdir=/tmp/a', 'getpid'];
      });
      const sock = join(b.dir, 'listener.sock');
      b.config.linux.seccomp = notifyProfile(sock);
      b.write();
      const agent = await listener(sock, ['answer', '123']);
      const r = await rt.run(['run', '-b', b.dir, id]);
      expect(r.code, r.stderr).toBe(0);
      const ops = JSON.parse(r.stdout);
      expect(ops['mkdir=/tmp/a'].errno).toBe(123); // the listener's answer
      expect(ops.getpid.ret).toBe(1);
      const out = await agent.done;
      const [got, ...calls] = out.stdout.split('\n').filter((l) => l && l !== 'READY').map((l) => JSON.parse(l));
      expect(got.fds, out.stderr).toBe(1);
      expect(got.state).toMatchObject({
        ociVersion: '1.3.0',
        fds: ['seccompFd'],
        metadata: 'tdrun-spec-test',
        state: { id, status: 'creating', bundle: b.dir },
      });
      expect(got.state.pid).toBeGreaterThan(1);
      expect(got.state.state.pid).toBe(got.state.pid);
      expect(calls).toEqual([{ syscall: 83 }]);
    });
  }

  for (const noNewPrivileges of [true, false]) {
    it(`${noNewPrivileges ? 'with noNewPrivileges the filter goes on at start, right before execve' : 'without noNewPrivileges the filter goes on during create, while privileged'}`, async () => {
      const id = rt.id('when');
      const b = makeBundle(rt, id, (c, { dir }) => {
        c.linux.seccomp = notifyProfile(join(dir, 'listener.sock'));
        c.process.noNewPrivileges = noNewPrivileges;
        c.process.args = ['/probe', 'try', 'mkdir=/tmp/a'];
      });
      const agent = await listener(join(b.dir, 'listener.sock'), ['answer', '125']);
      await rt.ok(['create', '-b', b.dir, id]);
      await sleep(300);
      expect(agent.lines.some((l) => l.includes('seccompFd'))).toBe(!noNewPrivileges);
      await rt.ok(['start', id]);
      expect(await waitStatus(rt, id, 'stopped', 10_000)).toBe('stopped');
      const out = await agent.done;
      expect(agent.lines.map((l) => JSON.parse(l)).filter((l) => l.syscall), out.stderr).toEqual([{ syscall: 83 }]);
      await rt.ok(['delete', id]);
    });
  }

  it('flags: LOG, SPEC_ALLOW and WAIT_KILLABLE_RECV reach seccomp(2) (the last needs the listener), TSYNC is accepted', async () => {
    const id = rt.id('flags');
    const b = makeBundle(rt, id, (c, { dir }) => {
      c.linux.seccomp = {
        ...notifyProfile(join(dir, 'listener.sock')),
        flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      };
      c.process.args = ['/probe', 'try', 'mkdir=/tmp/a'];
    });
    const agent = await listener(join(b.dir, 'listener.sock'), ['answer', '124']);
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)['mkdir=/tmp/a'].errno).toBe(124);
    expect((await agent.done).code).toBe(0);
  });

  it('an absent listener fails create with a clear error, leaving nothing', async () => {
    const id = rt.id('nolistener');
    const b = makeBundle(rt, id);
    const sock = join(b.dir, 'nobody.sock');
    b.config.linux.seccomp = notifyProfile(sock);
    b.write();
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`tdrun: create ${id}: seccomp: connect to the listener ${sock}: no such file or directory\n`);
    expect((await rt.run(['state', id])).code).not.toBe(0);
    expect(existsSync(join(rt.root, id))).toBe(false);
  });

  it('a listener that dies leaves notified syscalls failing with ENOSYS, not hanging', async () => {
    const id = rt.id('deadlistener');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['/probe', 'try', 'mkdir=/tmp/a', 'getpid']));
    const sock = join(b.dir, 'listener.sock');
    b.config.linux.seccomp = notifyProfile(sock);
    b.write();
    const agent = await listener(sock, ['die']);
    const r = await rt.run(['run', '-b', b.dir, id], { timeoutMs: 10_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)['mkdir=/tmp/a'].errno).toBe(ENOSYS);
    expect((await agent.done).code).toBe(0);
  });
});

// Not a spec rule but what makes the profile engines send with every container cheap (issue 15):
// tdrun-init keeps the programs libseccomp compiled under the state root, by the SHA-256 of the
// profile, libseccomp's version and the architecture. What the container gets must not change,
// and a cache anyone but root could write would let them pick any container's filter.
describe.skipIf(!!why)('config-linux.md#seccomp through the compiled-program cache', () => {
  const crt = new Runtime('sccache');
  afterAll(() => crt.cleanup());
  const cacheDir = () => join(crt.root, '@seccomp');
  const cached = () => readdirSync(cacheDir()).filter((f) => /^[0-9a-f]{64}\.bpf$/.test(f));
  const denyMkdir = allowExcept('SCMP_ACT_ERRNO', ['mkdir', 'mkdirat']);
  const denyRmdir = allowExcept('SCMP_ACT_ERRNO', ['rmdir']);
  // allowed, mkdir meets the read-only rootfs (EROFS) and rmdir(NULL) EFAULT
  const OPS = ['mkdir=/tmp/a', 'sys=84,0'];
  const EROFS = 30;
  const EFAULT = 14;
  async function errnos(seccomp: Config): Promise<{ mkdir: number; rmdir: number; stderr: string }> {
    const { json, result } = await runProbe(crt, (c) => (c.linux.seccomp = seccomp), ['try', ...OPS]);
    expect(result.code, result.stderr).toBe(0);
    return { mkdir: json['mkdir=/tmp/a'].errno, rmdir: json['sys=84,0'].errno, stderr: result.stderr };
  }
  /** The cache file's parts: the header lines (magic, maker, key, notifies, skipped names,
   *  actions, count: addon/seccomp_cache.h) and the program. */
  function parts(file: string): { lines: string[]; program: Buffer } {
    const data = readFileSync(join(cacheDir(), file));
    let at = 0;
    for (let i = 0; i < 7; i++) at = data.indexOf(0x0a, at) + 1;
    return { lines: data.subarray(0, at).toString('utf8').split('\n').slice(0, 7), program: data.subarray(at) };
  }
  let mkdirFile = '';
  let rmdirFile = '';

  it('the program is kept, closed to others, and the same profile loads it again without compiling', async () => {
    expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
    [mkdirFile] = cached();
    expect(cached()).toHaveLength(1);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    const st = statSync(join(cacheDir(), mkdirFile));
    expect({ mode: st.mode & 0o777, uid: st.uid }).toEqual({ mode: 0o600, uid: 0 });
    expect(parts(mkdirFile).lines[2]).toBe(mkdirFile.slice(0, 64));
    expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
    // a compile would have renamed a new file over it
    expect(statSync(join(cacheDir(), mkdirFile)).ino).toBe(st.ino);
    expect(await errnos(denyRmdir)).toMatchObject({ mkdir: EROFS, rmdir: EPERM });
    rmdirFile = cached().find((f) => f !== mkdirFile)!;
    expect(cached()).toHaveLength(2);
  });

  it('the warning about unknown syscall names comes with a cached program too', async () => {
    const withUnknown = allowExcept('SCMP_ACT_ERRNO', ['mkdir', 'mkdirat', 'tdrun_future_syscall']);
    for (let run = 0; run < 2; run++) {
      const { mkdir, stderr } = await errnos(withUnknown);
      expect(mkdir).toBe(EPERM);
      expect(stderr).toMatch(/warning: seccomp: syscalls unknown to libseccomp [\d.]+ skipped: tdrun_future_syscall/);
    }
  });

  it('a program is taken only from a directory and file that no one else can write', async () => {
    // What an attacker able to write the cache could do: rmdir's program under mkdir's profile.
    const forged = Buffer.concat([
      Buffer.from([...parts(mkdirFile).lines.slice(0, 6), parts(rmdirFile).lines[6], ''].join('\n')),
      parts(rmdirFile).program,
    ]);
    const file = join(cacheDir(), mkdirFile);
    writeFileSync(file, forged, { mode: 0o600 });
    expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EROFS, rmdir: EPERM });
    try {
      chmodSync(cacheDir(), 0o777);
      expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
      chmodSync(cacheDir(), 0o700);
      writeFileSync(file, forged, { mode: 0o600 });
      chmodSync(file, 0o620);
      expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
      writeFileSync(file, forged, { mode: 0o600 });
      chownSync(file, 1000, 0);
      expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
    } finally {
      chmodSync(cacheDir(), 0o700);
    }
    // and the file that replaced the refused one is the right program again
    expect(statSync(file).uid).toBe(0);
    expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
  });

  it('a file whose content names another profile, or is cut short, is compiled over', async () => {
    const file = join(cacheDir(), mkdirFile);
    copyFileSync(join(cacheDir(), rmdirFile), file);
    expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length - 3), { mode: 0o600 });
    expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
    expect(readFileSync(file).equals(whole)).toBe(true);
  });

  it('a program that another build of tdrun-init compiled is refused with a clear error, never loaded', async () => {
    // tdrun keys the file by tdrun-init's own file; the header says which build compiled it
    const file = join(cacheDir(), mkdirFile);
    const { lines, program } = parts(mkdirFile);
    writeFileSync(file, Buffer.concat([Buffer.from([lines[0], 'another build', ...lines.slice(2), ''].join('\n')), program]), { mode: 0o600 });
    try {
      const id = crt.id('maker');
      const b = makeBundle(crt, id, (c) => (c.linux.seccomp = denyMkdir));
      const r = await crt.run(['run', '-b', b.dir, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/seccomp: the cached program [0-9a-f]{64} was compiled by another tdrun-init \(another build\)/);
      expect(existsSync(join(crt.root, id))).toBe(false);
    } finally {
      unlinkSync(file);
    }
    expect(await errnos(denyMkdir)).toMatchObject({ mkdir: EPERM, rmdir: EFAULT });
  });

  it("exec takes the container's program from the cache; a record of an earlier build still filters", async () => {
    const b = await startSleeper(crt, (c) => (c.linux.seccomp = denyRmdir));
    const file = join(cacheDir(), rmdirFile);
    const before = statSync(file);
    const files = cached();
    const record = join(crt.root, b.id, 'state.json');
    // the record keeps the profile as the JSON text its key is made of: as config.json has it
    // (pretty-printed here), not serialized again
    const text = JSON.parse(readFileSync(record, 'utf8')).seccomp;
    expect(text).toContain('\n');
    expect(JSON.parse(text)).toEqual(denyRmdir);
    const errnos = async () => JSON.parse((await crt.ok(['exec', b.id, '/probe', 'try', ...OPS])).stdout);
    expect(await errnos()).toMatchObject({ 'mkdir=/tmp/a': { errno: EROFS }, 'sys=84,0': { errno: EPERM } });
    // nothing compiled: no file renamed over it, no new one
    expect(statSync(file).ino).toBe(before.ino);
    expect(cached()).toEqual(files);
    // earlier builds kept the profile as an object: its serialized text is the key, the same filter
    const old = JSON.parse(readFileSync(record, 'utf8'));
    writeFileSync(record, JSON.stringify({ ...old, seccomp: JSON.parse(old.seccomp) }));
    expect(await errnos()).toMatchObject({ 'mkdir=/tmp/a': { errno: EROFS }, 'sys=84,0': { errno: EPERM } });
  });

  it('a SCMP_ACT_NOTIFY program from the cache still hands the listener its fd (NEW_LISTENER kept)', async () => {
    for (let run = 0; run < 2; run++) {
      const id = crt.id('notify');
      const b = makeBundle(crt, id, (c, { dir }) => {
        c.linux.seccomp = { ...allowExcept('SCMP_ACT_NOTIFY', ['mkdir']), listenerPath: join(dir, 'listener.sock') };
        c.process.args = ['/probe', 'try', 'mkdir=/tmp/a'];
      });
      const agent = spawn('python3', [join(projectRoot, 'spec-tests/lib/seccomp-listener.py'), join(b.dir, 'listener.sock'), 'answer', '95'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const done = collect(agent, 30_000);
      await new Promise<void>((resolve) => createInterface({ input: agent.stdout! }).once('line', () => resolve()));
      const r = await crt.run(['run', '-b', b.dir, id]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)['mkdir=/tmp/a'].errno).toBe(EOPNOTSUPP);
      expect((await done).code).toBe(0);
    }
    expect(cached().map((f) => parts(f).lines[3])).toContain('1');
  });
});
