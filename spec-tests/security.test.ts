// README, "Security measures": each test attempts the attack of one runc CVE class.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capNumbers, makeBundle, runProbe } from './lib/bundle.ts';
import { addOut, createContainer, startSleeper } from './lib/containers.ts';
import { mountsUnder, pidAlive } from './lib/host.ts';
import { collect, projectRoot, Runtime, skipReason, sleep, tdrunBin, waitFor } from './lib/runtime.ts';

const why = skipReason();

/** A fifo that already holds a pipe's worth of bytes: a process given it as stderr blocks in its
 *  first write there until drain(), which keeps a short-lived helper alive for as long as a test needs. */
function blockedStderr(): { fd: number; drain(): void; close(): void } {
  const path = join(rt.bundles, `fifo-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, 'r+');
  rmSync(path);
  writeSync(fd, Buffer.alloc(PIPE_CAPACITY, 'x'));
  return {
    fd,
    drain() {
      const buf = Buffer.alloc(PIPE_CAPACITY);
      for (let got = 0; got < PIPE_CAPACITY; ) got += readSync(fd, buf, 0, PIPE_CAPACITY - got, null);
    },
    close: () => closeSync(fd),
  };
}
// Linux's default pipe size
const PIPE_CAPACITY = 65536;
const rt = new Runtime('security');
afterAll(() => rt.cleanup());

const hostEtcMounts = () => mountsUnder('/etc');

describe.skipIf(!!why)('security (runc CVE classes)', () => {
  it('CVE-2021-30465 class: a mount destination that is a symlink to /etc mounts inside the rootfs, never on the host', async () => {
    const before = hostEtcMounts();
    for (const target of ['/etc', '../../../../../../etc']) {
      const { json, result } = await runProbe(rt, (c, b) => {
        symlinkSync(target, join(b.rootfs, 'evil'));
        c.mounts.push({ destination: '/evil', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
        c.mounts.push({ destination: '/evil/passwd', type: 'bind', source: join(b.dir, 'config.json'), options: ['bind', 'ro'] });
      });
      expect(result.code, result.stderr).toBe(0);
      expect(json.mounts.filter((m: any) => m.mountpoint === '/etc').at(-1)?.fstype, target).toBe('tmpfs');
    }
    expect(hostEtcMounts()).toEqual(before);
    // what the escape would bind over the host's /etc/passwd is config.json; the file is not
    // compared whole, as other test files add and remove users (rootless.test.ts) meanwhile
    const hostPasswd = readFileSync('/etc/passwd', 'utf8');
    expect(hostPasswd.startsWith('root:'), 'the host /etc/passwd is still a passwd file').toBe(true);
    expect(hostPasswd).not.toContain('ociVersion');
  });

  it('CVE-2024-21626 class: host fds do not leak into the container (only 0-2 + preserved)', async () => {
    const id = rt.id('leak');
    const b = makeBundle(rt, id);
    const leaked = openSync(join(b.dir, 'config.json'), 'r');
    try {
      const child = rt.spawn(['run', '-b', b.dir, id], { stdio: ['pipe', 'pipe', 'pipe', leaked, leaked, leaked] });
      const r = await collect(child, 30_000);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.fds.map((f: any) => f.fd)).toEqual([0, 1, 2]);
      expect(json.cwd).toBe('/');
    } finally {
      closeSync(leaked);
    }
  });

  it('CVE-2024-21626 class: a cwd that escapes through /proc/self/fd is refused or stays inside the rootfs', async () => {
    for (let fd = 3; fd <= 8; fd++) {
      const id = rt.id('cwdfd');
      const b = makeBundle(rt, id, (c) => {
        c.process.cwd = `/proc/self/fd/${fd}`;
      });
      const r = await rt.run(['run', '-b', b.dir, id]);
      if (r.code === 0) {
        const json = JSON.parse(r.stdout);
        expect(json.cwd, `fd ${fd}`).not.toMatch(/^\/(run|work|sys\/fs\/cgroup)/);
        expect(json.cwd.startsWith('/'), `fd ${fd}: ${json.cwd}`).toBe(true);
      } else {
        expect(r.stderr).toMatch(new RegExp(`^tdrun: run ${id}: `, 'm'));
      }
    }
  });

  it('CVE-2024-21626 class: exec --cwd /proc/self/fd/N is refused or stays inside the rootfs; a leaked directory fd would escape', async () => {
    // The unsafe setting: a host directory handed in on purpose (--preserve-fds) is an escape.
    const leakId = rt.id('cwdleak');
    const leakBundle = makeBundle(rt, leakId, (c) => (c.process.args = ['/bin/sh', '-c', 'cd /proc/self/fd/3 && cat config.json']));
    const hostDir = openSync(leakBundle.dir, 'r');
    try {
      const r = await collect(rt.spawn(['run', '--preserve-fds', '1', '-b', leakBundle.dir, leakId], { stdio: ['pipe', 'pipe', 'pipe', hostDir] }), 30_000);
      expect(r.stdout, r.stderr).toContain('"ociVersion"');
    } finally {
      closeSync(hostDir);
    }
    const a = await startSleeper(rt);
    for (let fd = 3; fd <= 8; fd++) {
      const r = await rt.run(['exec', '--cwd', `/proc/self/fd/${fd}`, a.id, '/probe']);
      if (r.code === 0) {
        const json = JSON.parse(r.stdout);
        expect(json.cwd, `fd ${fd}`).not.toMatch(/^\/(run|work|sys\/fs\/cgroup)/);
        expect(json.cwd.startsWith('/'), `fd ${fd}: ${json.cwd}`).toBe(true);
      } else {
        expect(r.stderr).toMatch(new RegExp(`^tdrun: exec ${a.id}: `, 'm'));
      }
    }
  });

  it('CVE-2021-30465 / CVE-2024-45310 class: a rootfs directory swapped for a symlink to /etc while mounts are made never puts a mount on the host', async () => {
    const before = hostEtcMounts();
    const id0 = rt.id('swap');
    const b0 = makeBundle(rt, id0, (c) => c.mounts.push({ destination: '/swap/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }));
    mkdirSync(join(b0.rootfs, 'swap/sub'), { recursive: true });
    // Another container sharing the volume would do this from inside; a host loop is faster.
    const swapper = spawn('/bin/sh', ['-c', 'cd "$1" && while :; do mv -T swap swap.real; ln -s /etc swap; rm swap; mv -T swap.real swap; done', 'sh', b0.rootfs], { stdio: 'ignore' });
    try {
      // The race is live: a resolution that follows the path lands on the host's /etc now and then.
      let escaped = 0;
      await waitFor(() => {
        for (let i = 0; i < 200; i++) {
          try {
            if (realpathSync(join(b0.rootfs, 'swap')) === '/etc') escaped++;
          } catch {
            // between two renames
          }
        }
        return escaped > 0;
      }, 5000, 1);
      expect(escaped).toBeGreaterThan(0);
      for (let i = 0; i < 15; i++) {
        const id = rt.id('swap');
        const r = await rt.run(['run', '-b', b0.dir, id]);
        if (r.code !== 0) expect(r.stderr).toMatch(new RegExp(`^tdrun: run ${id}: `, 'm'));
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    expect(hostEtcMounts()).toEqual(before);
  });

  it('CVE-2019-16884 / CVE-2019-19921 / CVE-2023-27561 class: with /proc a symlink or a plain directory over procfs, tdrun\'s procfs writes fail instead of landing elsewhere', async () => {
    const fakeProc = (b: { dir: string }) => {
      const dir = join(b.dir, 'fakeproc');
      mkdirSync(join(dir, 'self'), { recursive: true });
      writeFileSync(join(dir, 'self/oom_score_adj'), 'untouched');
      return dir;
    };
    // The unsafe setting: a host directory mounted over the container's /proc takes its writes.
    let dir = '';
    const shown = await runProbe(rt, (c, b) => {
      dir = fakeProc(b);
      c.mounts.push({ destination: '/proc', type: 'bind', source: dir, options: ['rbind', 'rw'] });
      c.linux.maskedPaths = [];
      c.linux.readonlyPaths = [];
    }, ['write', '/proc/self/oom_score_adj', 'redirected']);
    expect(shown.json, shown.result.stderr).toEqual({ ok: true });
    expect(readFileSync(join(dir, 'self/oom_score_adj'), 'utf8')).toBe('redirected');

    for (const how of ['plain directory', 'symlink']) {
      const id = rt.id('fakeproc');
      const b = makeBundle(rt, id, (c, bb) => {
        dir = fakeProc(bb);
        c.process.oomScoreAdj = 500;
        if (how === 'plain directory') {
          c.mounts.push({ destination: '/proc', type: 'bind', source: dir, options: ['rbind', 'rw'] });
        } else {
          rmSync(join(bb.rootfs, 'proc'), { recursive: true });
          symlinkSync('/fake', join(bb.rootfs, 'proc'));
          cpSync(dir, join(bb.rootfs, 'fake'), { recursive: true });
          c.mounts = c.mounts.filter((m: any) => m.destination !== '/proc');
        }
        c.linux.maskedPaths = [];
        c.linux.readonlyPaths = [];
      });
      const r = await rt.run(['run', '-b', b.dir, id]);
      expect(r.code, how).not.toBe(0);
      expect(r.stderr, how).toMatch(new RegExp(`^tdrun: run ${id}: .*/proc`, 'm'));
      expect(readFileSync(join(dir, 'self/oom_score_adj'), 'utf8')).toBe('untouched');
      if (how === 'symlink') expect(readFileSync(join(b.rootfs, 'fake/self/oom_score_adj'), 'utf8')).toBe('untouched');
    }
  });

  it('CVE-2025-52881 class: a procfs file that tdrun writes, with a host file bound over it, is refused, not written', async () => {
    const victim = (b: { dir: string }) => {
      const file = join(b.dir, 'victim');
      writeFileSync(file, 'untouched');
      return file;
    };
    let file = '';
    const over = (c: any, b: { dir: string }) => {
      file = victim(b);
      c.mounts.push({ destination: '/proc/sys/kernel/domainname', type: 'bind', source: file, options: ['bind', 'rw'] });
      c.linux.readonlyPaths = c.linux.readonlyPaths.filter((p: string) => p !== '/proc/sys');
    };
    // The unsafe setting: the bind redirects writes to that procfs path into the host file.
    const shown = await runProbe(rt, over, ['write', '/proc/sys/kernel/domainname', 'redirected']);
    expect(shown.json, shown.result.stderr).toEqual({ ok: true });
    expect(readFileSync(file, 'utf8')).toBe('redirected');
    const id = rt.id('sysctl');
    const b = makeBundle(rt, id, (c, bb) => {
      over(c, bb);
      c.linux.sysctl = { 'kernel.domainname': 'evil' };
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: run ${id}: .*kernel/domainname`, 'm'));
    expect(readFileSync(file, 'utf8')).toBe('untouched');
  });

  it('CVE-2025-31133 / CVE-2025-52565 class: a /dev/null swapped for a symlink to a procfs file while masks are made never masks a path with that file', async () => {
    const devFromRootfs = (c: any, b: { rootfs: string }) => {
      c.mounts = c.mounts.filter((m: any) => m.destination !== '/dev');
      mkdirSync(join(b.rootfs, 'dev'), { recursive: true });
      c.linux.readonlyPaths = c.linux.readonlyPaths.filter((p: string) => p !== '/proc/sys');
    };
    // The attack's tool works: a write to a symlink into procfs lands in the procfs file.
    const shown = await runProbe(rt, (c, b) => {
      devFromRootfs(c, b);
      symlinkSync('/proc/sys/kernel/domainname', join(b.rootfs, 'dev/mynull'));
      c.process.args = ['/bin/sh', '-c', 'echo redirected > /dev/mynull; /probe read /proc/sys/kernel/domainname'];
    });
    expect(shown.json, shown.result.stderr).toEqual({ data: 'redirected\n' });

    // Another container sharing /dev would swap it from inside; a host loop races every run.
    const id0 = rt.id('devnull');
    const b0 = makeBundle(rt, id0, (c, b) => {
      devFromRootfs(c, b);
      c.process.args = ['/probe', 'read', '/proc/timer_list'];
    });
    const swapper = spawn('/bin/sh', ['-c', 'cd "$1/dev" && while :; do ln -sf /proc/sys/kernel/domainname null.new && mv -f null.new null; done', 'sh', b0.rootfs], { stdio: 'ignore' });
    let refused = 0;
    try {
      for (let i = 0; i < 15; i++) {
        const id = rt.id('devnull');
        const r = await rt.run(['run', '-b', b0.dir, id]);
        if (r.code === 0) {
          expect(JSON.parse(r.stdout)).toEqual({ data: '' });
        } else {
          expect(r.stderr).toMatch(new RegExp(`^tdrun: run ${id}: `, 'm'));
          refused++;
        }
      }
    } finally {
      swapper.kill('SIGKILL');
    }
    // the swap did reach tdrun at least once (a test that never raced would prove nothing)
    expect(refused).toBeGreaterThan(0);
  });

  it('CVE-2019-5736: /proc/self/exe of the container process is the program, and the waiting init is neither node nor tdrun', async () => {
    const { json } = await runProbe(rt);
    expect(json.exe).toBe('/probe');
    const a = await createContainer(rt, ['/probe', 'sleep', '600']);
    const pid = (await rt.state(a.id)).pid;
    const exe = readlinkSync(`/proc/${pid}/exe`);
    expect(exe).not.toBe(process.execPath);
    expect(exe).not.toBe(tdrunBin);
    // executed through /proc/self/fd/N, it still names itself (start waits for a change of name)
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('tdrun-init');
  });

  it('CVE-2019-5736: a container that grabs the exec helper\'s /proc/PID/exe cannot reopen it for writing once the helper is gone (exec of /proc/self/exe, and a #!/proc/self/exe program)', async () => {
    const initBin = realpathSync(join(projectRoot, 'build/Release/tdrun-init'));
    const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    const before = hash(initBin);
    // The attacker is root in the container with CAP_SYS_PTRACE and CAP_DAC_OVERRIDE: more than
    // the re-executed helper needs (it is an ordinary dumpable process of the container's user).
    const attacker = (only?: number) => (c: any, b: { dir: string; rootfs: string }) => {
      const caps = [...c.process.capabilities.bounding, 'CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE'];
      c.process.capabilities = { bounding: caps, permitted: caps, effective: caps };
      c.process.args = ['/probe', 'grab-exe', '/out/report', '/out/stop', ...(only ? [String(only)] : [])];
      addOut(c, b);
      writeFileSync(join(b.rootfs, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
    };
    const grabs = async (b: { dir: string }, running: Promise<unknown>) => {
      writeFileSync(join(b.dir, 'out/stop'), '');
      await running;
      return readFileSync(join(b.dir, 'out/report'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    };

    // The attack itself works: against a plain host binary running in the container's view (the
    // unsafe setting: no pid namespace of its own), the reopen for writing succeeds.
    const victimBin = join(rt.bundles, 'victim-tdrun-init');
    mkdirSync(rt.bundles, { recursive: true });
    copyFileSync(initBin, victimBin);
    chmodSync(victimBin, 0o755);
    const stuck = blockedStderr();
    const victim = spawn(victimBin, [], { stdio: ['ignore', 'ignore', stuck.fd] });
    const victimExit = new Promise((r) => victim.on('exit', r));
    const unsafeId = rt.id('grab-hostpid');
    const unsafe = makeBundle(rt, unsafeId, (c, b) => {
      attacker(victim.pid)(c, b);
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'pid');
    });
    const unsafeRun = rt.run(['run', '-b', unsafe.dir, unsafeId]);
    expect(await waitFor(() => existsSync(join(unsafe.dir, 'out/report.grabbed')), 10_000)).toBe(true);
    stuck.drain();
    await victimExit;
    await sleep(100);
    const seen = await grabs(unsafe, unsafeRun);
    stuck.close();
    expect(seen.map((g) => g.writable), JSON.stringify(seen)).toEqual([true]);

    // The same attacker against tdrun's helper: `exec ID /proc/self/exe` and a program whose #!
    // line names /proc/self/exe both run the helper's own executable as the container's process.
    const id = rt.id('grab');
    const b = makeBundle(rt, id, attacker());
    const running = rt.run(['run', '-b', b.dir, id], { timeoutMs: 60_000 });
    expect(await waitFor(() => existsSync(join(b.dir, 'out/report.ready')), 10_000)).toBe(true);
    for (const program of ['/proc/self/exe', '/evil']) {
      rmSync(join(b.dir, 'out/report.grabbed'), { force: true });
      const full = blockedStderr();
      const exec = rt.run(['exec', id, program], { stdio: ['ignore', 'pipe', full.fd] });
      expect(await waitFor(() => existsSync(join(b.dir, 'out/report.grabbed')), 10_000), program).toBe(true);
      full.drain();
      await exec;
      full.close();
    }
    await sleep(100);
    const attempts = await grabs(b, running);
    expect(attempts.length, JSON.stringify(attempts)).toBeGreaterThanOrEqual(2);
    for (const g of attempts) expect(g.writable, JSON.stringify(g)).toBe(false);
    expect(hash(initBin)).toBe(before);
  });

  it('--no-pivot (runc\'s msMoveRoot): the host\'s full /proc is out of the container\'s view, so it cannot mount a fresh, unmasked procfs', async () => {
    // A process that may make a user namespace mounts a new procfs as long as a full, unmasked
    // one is visible in its mount namespace; below a chroot the host's /proc is.
    const attack = (edit?: (c: any) => void) => (c: any) => {
      for (const set of ['bounding', 'permitted', 'effective']) c.process.capabilities[set].push('CAP_SETFCAP');
      c.process.args = ['/bin/sh', '-c', 'unshare -mrpf sh -c "mount -t proc none /proc && echo MOUNTED"; true'];
      edit?.(c);
    };
    const tryIt = async (flags: string[], edit?: (c: any) => void) => {
      const id = rt.id('nopivot');
      const b = makeBundle(rt, id, attack(edit));
      const r = await rt.run(['run', ...flags, '-b', b.dir, id]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.includes('MOUNTED');
    };
    // The unsafe setting: the host's /proc bound into the container in full.
    expect(await tryIt([], (c) => c.mounts.push({ destination: '/hostproc', type: 'bind', source: '/proc', options: ['rbind'] }))).toBe(true);
    expect(await tryIt(['--no-pivot'])).toBe(false);
    expect(await tryIt([])).toBe(false);
  });

  it('kill --all and delete -f signal only the container\'s own processes, not others that share its cgroup', async () => {
    const cg = `/tdrun-sec-shared-${process.pid}`;
    const sleeper = (name: string, edit?: (c: any) => void) =>
      startSleeper(rt, (c) => {
        c.linux.cgroupsPath = cg;
        edit?.(c);
      }, name);
    const a = await sleeper('a');
    const aPid = (await rt.state(a.id)).pid;
    // SIGTERM kills neither container's PID 1 (no handler), so the processes that tell are not PID 1:
    // the unsafe setting, a container that joins A's pid namespace and so is one of A's processes,
    // and the child of another container's shell.
    const joined = await sleeper('joined', (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${aPid}/ns/pid` } : n));
    });
    const joinedPid = (await rt.state(joined.id)).pid;
    const other = await sleeper('other', (c) => (c.process.args = ['/bin/sh', '-c', '/probe sleep 600; true']));
    const otherPid = (await rt.state(other.id)).pid;
    const children = () => readFileSync(`/proc/${otherPid}/task/${otherPid}/children`, 'utf8').trim();
    const otherChild = Number(await waitFor(children, 5000));
    expect(otherChild).toBeGreaterThan(0);

    const r = await rt.run(['kill', '--all', a.id, 'TERM']);
    expect(r.code, r.stderr).toBe(0);
    expect(await waitFor(() => !pidAlive(joinedPid), 5000)).toBe(true);
    expect(r.stderr).toMatch(/left alone: pid \d+, \d+ \(in the container's cgroup but not in its pid namespace\)/);
    expect(r.stderr).toContain(String(otherChild));
    expect(pidAlive(otherChild)).toBe(true);

    const d = await rt.run(['delete', '-f', a.id]);
    expect(d.code, d.stderr).toBe(0);
    expect(pidAlive(aPid)).toBe(false);
    expect(d.stderr).toContain("the container's cgroup is kept");
    expect(pidAlive(otherChild)).toBe(true);
    await rt.ok(['delete', '-f', other.id]);
    expect(pidAlive(otherChild)).toBe(false);
  });

  it('CVE-2022-29162: inheritable and ambient capabilities are empty unless configured', async () => {
    const { json } = await runProbe(rt);
    expect(json.caps.inheritable).toBe('0000000000000000');
    expect(json.caps.ambient).toBe('0000000000000000');
    expect(capNumbers(json.caps.effective).length).toBeGreaterThan(0);
  });

  it('CVE-2025-31133 class: masked paths cannot be unmasked by the container (umount fails, writes go nowhere)', async () => {
    const id = rt.id('unmask');
    const b = makeBundle(rt, id, (c) => {
      c.process.args = ['/bin/sh', '-c', 'umount /proc/timer_list; umount -l /proc/timer_list; umount /sys/firmware; /probe read /proc/timer_list; /probe write /sys/firmware/x y'];
    });
    const result = await rt.run(['run', '-b', b.dir, id]);
    const out = result.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
    expect(out.length, result.stderr).toBe(2);
    expect(JSON.parse(out[0])).toEqual({ data: '' });
    expect(JSON.parse(out[1]).errno).toBe(30);
  });

  it('CVE-2025-52881 class: the container\'s /proc is a real procfs and host-wide knobs stay read-only (core_pattern)', async () => {
    const { json } = await runProbe(rt);
    const proc = json.mounts.filter((m: any) => m.mountpoint === '/proc').at(-1);
    expect(proc.fstype).toBe('proc');
    const hostPattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    const w = await runProbe(rt, undefined, ['write', '/proc/sys/kernel/core_pattern', '|/evil']);
    expect(w.json.errno).toBe(30);
    expect(readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(hostPattern);
  });

  it('a bind mount source that is a symlink in the bundle is the file it names, and /dev/console is not a host device', async () => {
    const { json, result } = await runProbe(rt, (c, b) => {
      writeFileSync(join(b.dir, 'real.txt'), 'real');
      symlinkSync(join(b.dir, 'real.txt'), join(b.dir, 'link.txt'));
      c.mounts.push({ destination: '/mnt/f', type: 'bind', source: join(b.dir, 'link.txt'), options: ['bind', 'ro'] });
    }, ['read', '/mnt/f']);
    expect(json, result.stderr).toEqual({ data: 'real' });
    const st = await runProbe(rt, undefined, ['stat', '/dev/console']);
    if (st.json[0].exists) expect([st.json[0].major, st.json[0].minor]).not.toEqual([5, 1]);
  });
});
