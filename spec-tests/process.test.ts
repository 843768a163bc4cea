// config.md#process (args, env, cwd, user, terminal, consoleSize, capabilities, rlimits,
// noNewPrivileges, oomScoreAdj), hostname and domainname.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { capNumbers, CAP, makeBundle, runProbe } from './lib/bundle.ts';
import { startSleeper, waitStatus } from './lib/containers.ts';
import { existingCgroupDirs } from './lib/host.ts';
import { collect, projectRoot, Runtime, skipReason } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('process');
afterAll(() => rt.cleanup());

const capNames = (nums: number[]) => nums.map((n) => Object.entries(CAP).find(([, v]) => v === n)?.[0] ?? String(n));

describe.skipIf(!!why)('config.md#process', () => {
  it('config.md#process: args MUST be passed to the program (execvp semantics, PATH from process.env)', async () => {
    const id = rt.id('args');
    const b = makeBundle(rt, id, (c) => {
      c.process.args = ['sh', '-c', 'exit 42'];
      c.process.env = ['PATH=/bin'];
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(42);
  });

  it('config.md#process: an args[0] not found in PATH MUST fail create with an error naming it', async () => {
    const id = rt.id('nobin');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['no-such-binary']));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`tdrun: create ${id}: exec: "no-such-binary": executable file not found in $PATH`);
    expect((await rt.run(['state', id])).code).not.toBe(0);
  });

  it('config.md#process: an args[0] that execve refuses (no ELF interpreter in the rootfs) fails run with the error, every time', async () => {
    const id = rt.id('nointerp');
    // a dynamically linked host binary: the busybox-static rootfs has no ld.so for it
    const b = makeBundle(rt, id, (c, { rootfs }) => {
      copyFileSync('/bin/true', join(rootfs, 'nointerp'));
      c.process.args = ['/nointerp'];
    });
    for (let i = 0; i < 20; i++) {
      const r = await rt.run(['run', '-b', b.dir, id]);
      expect(r.code, `run ${i}`).toBe(1);
      expect(r.stderr, `run ${i}`).toContain(`tdrun: run ${id}: exec /nointerp: no such file or directory`);
    }
    expect((await rt.run(['state', id])).code, 'the failed run left nothing behind').not.toBe(0);
  });

  it('config.md#process: after start, an execve failure reaches the container\'s stderr every time', async () => {
    for (let i = 0; i < 5; i++) {
      const id = rt.id('nointerp-start');
      const b = makeBundle(rt, id, (c, { rootfs }) => {
        copyFileSync('/bin/true', join(rootfs, 'nointerp'));
        c.process.args = ['/nointerp'];
      });
      const errFile = join(b.dir, 'stderr');
      const fd = openSync(errFile, 'w');
      try {
        const created = await collect(rt.spawn(['create', '-b', b.dir, id], { stdio: ['ignore', 'pipe', fd] }), 30_000);
        expect(created.code).toBe(0);
      } finally {
        closeSync(fd);
      }
      await rt.ok(['start', id]);
      expect(await waitStatus(rt, id, 'stopped')).toBe('stopped');
      expect(readFileSync(errFile, 'utf8'), `start ${i}`).toContain('exec /nointerp: no such file or directory');
      await rt.ok(['delete', id]);
    }
  });

  it('config.md#process: an args[0] that is not executable by the process user MUST fail create (permission denied), every time', async () => {
    const cases: [string, (c: any, rootfs: string) => void][] = [
      ['/etc/passwd', () => {}],
      ['/tmp', () => {}],
      // executable by root only: the check is made as the process user
      ['/rootonly', (c, rootfs) => {
        copyFileSync(join(rootfs, 'probe'), join(rootfs, 'rootonly'));
        chmodSync(join(rootfs, 'rootonly'), 0o700);
        c.process.user = { uid: 65534, gid: 65534 };
      }],
    ];
    for (const [path, edit] of cases) {
      const id = rt.id('noexec');
      const b = makeBundle(rt, id, (c, { rootfs }) => {
        c.process.args = [path];
        edit(c, rootfs);
      });
      for (let i = 0; i < 5; i++) {
        const r = await rt.run(['create', '-b', b.dir, id]);
        expect(r.code, `${path} ${i}`).toBe(1);
        expect(r.stderr, `${path} ${i}`).toContain(`tdrun: create ${id}: exec: "${path}": permission denied`);
        expect((await rt.run(['state', id])).code, 'the failed create left nothing behind').not.toBe(0);
      }
      const r = await rt.run(['run', '-b', b.dir, id]);
      expect(r.stderr).toContain(`tdrun: run ${id}: exec: "${path}": permission denied`);
    }
  });

  it('config.md#process: env MUST be exactly process.env (nothing of the runtime leaks in)', async () => {
    const env = ['PATH=/bin:/usr/bin', 'FOO=bar baz', 'EMPTY=', 'TERM=xterm'];
    const id = rt.id('env');
    const b = makeBundle(rt, id, (c) => {
      c.process.env = env;
      c.process.args = ['/probe', 'env'];
    });
    const r = await rt.run(['run', '-b', b.dir, id], { env: { ...process.env, TDRUN_SPEC_LEAK: 'leaked' } });
    expect(r.code, r.stderr).toBe(0);
    const seen: string[] = JSON.parse(r.stdout);
    expect(seen.filter((e) => env.includes(e))).toEqual(env);
    expect(seen.some((e) => e.startsWith('TDRUN_SPEC_LEAK='))).toBe(false);
    // runc adds HOME when the config has none; nothing else may appear.
    expect(seen.filter((e) => !env.includes(e) && !e.startsWith('HOME='))).toEqual([]);
  });

  describe('runc behaviour: HOME from the container\'s /etc/passwd when process.env has none', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/sh\nu:x:1234:1234:user:/home/u:/bin/sh\n';
    const envOf = async (uid: number, env: string[], edit?: (rootfs: string) => void): Promise<string[]> => {
      const { json, result } = await runProbe(rt, (c, b) => {
        c.process.user = { uid, gid: uid };
        c.process.env = env;
        writeFileSync(join(b.rootfs, 'etc/passwd'), passwd);
        edit?.(b.rootfs);
      }, ['env']);
      expect(result.code, result.stderr).toBe(0);
      return json;
    };

    it('the uid\'s entry gives HOME; a uid without one gets "/"', async () => {
      expect(await envOf(1234, ['PATH=/bin'])).toEqual(['PATH=/bin', 'HOME=/home/u']);
      expect(await envOf(0, ['PATH=/bin'])).toEqual(['PATH=/bin', 'HOME=/root']);
      expect(await envOf(4321, ['PATH=/bin'])).toEqual(['PATH=/bin', 'HOME=/']);
      expect(await envOf(1234, ['PATH=/bin'], (rootfs) => rmSync(join(rootfs, 'etc/passwd'))), 'no /etc/passwd').toEqual(['PATH=/bin', 'HOME=/']);
    });

    it('a HOME in process.env is kept as it is', async () => {
      expect(await envOf(1234, ['HOME=/elsewhere', 'PATH=/bin'])).toEqual(['HOME=/elsewhere', 'PATH=/bin']);
    });

    it('/etc/passwd is read inside the container: a symlink to a host path does not reach the host\'s file', async () => {
      const hostFile = join(rt.bundles, `host-passwd-${process.pid}`);
      writeFileSync(hostFile, 'u:x:1234:1234:user:/from-the-host:/bin/sh\n');
      const env = await envOf(1234, ['PATH=/bin'], (rootfs) => {
        rmSync(join(rootfs, 'etc/passwd'));
        symlinkSync(hostFile, join(rootfs, 'etc/passwd'));
      });
      expect(env).toEqual(['PATH=/bin', 'HOME=/']);
    });

    it('/etc/passwd through a /proc magic link (which can lead out of the rootfs) is refused', async () => {
      const id = rt.id('home-magic');
      const b = makeBundle(rt, id, (c, dirs) => {
        c.process.env = ['PATH=/bin'];
        writeFileSync(join(dirs.rootfs, 'etc/passwd.real'), passwd);
        rmSync(join(dirs.rootfs, 'etc/passwd'));
        symlinkSync('/proc/self/root/etc/passwd.real', join(dirs.rootfs, 'etc/passwd'));
      });
      const r = await rt.run(['run', '-b', b.dir, id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`tdrun: run ${id}: open /etc/passwd to set HOME: too many levels of symbolic links\n`);
      expect(existsSync(join(rt.root, id))).toBe(false);
    });

    it('exec gets HOME the same way (command and --process shapes)', async () => {
      const b = await startSleeper(rt, (c, dirs) => {
        c.process.env = ['PATH=/bin'];
        writeFileSync(join(dirs.rootfs, 'etc/passwd'), passwd);
      });
      const byCommand = await rt.ok(['exec', '--user', '1234:1234', b.id, '/probe', 'env']);
      expect(JSON.parse(byCommand.stdout)).toEqual(['PATH=/bin', 'HOME=/home/u']);
      const processJson = join(b.dir, 'process.json');
      writeFileSync(processJson, JSON.stringify({ args: ['/probe', 'env'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } }));
      expect(JSON.parse((await rt.ok(['exec', '--process', processJson, b.id])).stdout)).toEqual(['PATH=/bin', 'HOME=/root']);
      writeFileSync(processJson, JSON.stringify({ args: ['/probe', 'env'], cwd: '/', env: ['HOME=/mine'], user: { uid: 0, gid: 0 } }));
      expect(JSON.parse((await rt.ok(['exec', '--process', processJson, b.id])).stdout)).toEqual(['HOME=/mine']);
    });
  });

  it('config.md#process: cwd MUST be the working directory of the program', async () => {
    const { json, result } = await runProbe(rt, (c) => (c.process.cwd = '/tmp'));
    expect(json.cwd, result.stderr).toBe('/tmp');
  });

  it('config.md#process: a relative cwd MUST generate an error', async () => {
    const id = rt.id('relcwd');
    const b = makeBundle(rt, id, (c) => (c.process.cwd = 'tmp'));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\/process\/cwd/);
  });

  it('config.md#user: uid, gid, additionalGids and umask MUST apply to the process', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 0o027 };
    });
    expect(result.code, result.stderr).toBe(0);
    expect([json.uid, json.euid, json.suid]).toEqual([1000, 1000, 1000]);
    expect([json.gid, json.egid, json.sgid]).toEqual([1001, 1001, 1001]);
    expect([...json.groups].sort()).toEqual([5, 6]);
    expect(json.umask).toBe('0027');
  });

  it('config.md#user: umask defaults to 0022 when absent', async () => {
    const { json } = await runProbe(rt, (c) => {
      delete c.process.user.umask;
    });
    expect(json.umask).toBe('0022');
  });

  it('config.md#process: noNewPrivileges MUST set no_new_privs; false leaves it clear', async () => {
    const on = await runProbe(rt, (c) => (c.process.noNewPrivileges = true));
    expect(on.json.noNewPrivs).toBe(1);
    const off = await runProbe(rt, (c) => (c.process.noNewPrivileges = false));
    expect(off.json.noNewPrivs).toBe(0);
  });

  it('config.md#process ioPriority and config-linux.md#personality: set for the process (ioprio_get, personality(2), uname)', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
      c.linux.personality = { domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE'] };
    });
    expect(result.code, result.stderr).toBe(0);
    expect(json.ioPriority).toBe((2 << 13) | 6);
    expect(json.personality).toBe(0x0008 | 0x0040000);
    const plain = await runProbe(rt);
    expect(plain.json.personality).toBe(0);
    const idle = await runProbe(rt, (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE' }));
    expect(idle.json.ioPriority).toBe(3 << 13);
    // an exec'd process gets the process's io priority (runc applies the personality to the init only)
    const b = await startSleeper(rt, (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 2 }));
    const e = await rt.ok(['exec', b.id, '/probe']);
    expect(JSON.parse(e.stdout).ioPriority).toBe((2 << 13) | 2);
  });

  it('config.md#process: oomScoreAdj MUST be set for the process', async () => {
    const { json } = await runProbe(rt, (c) => (c.process.oomScoreAdj = 123));
    expect(json.oomScoreAdj).toBe('123');
  });

  it('config.md#process: rlimits — getrlimit MUST return the configured soft and hard values', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      c.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 1000, hard: 2000 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 4096 },
        { type: 'RLIMIT_NPROC', soft: 500, hard: 600 },
        { type: 'RLIMIT_MSGQUEUE', soft: 8192, hard: 16384 },
      ];
    });
    expect(result.code, result.stderr).toBe(0);
    expect(json.rlimits.RLIMIT_NOFILE).toEqual({ soft: '1000', hard: '2000' });
    expect(json.rlimits.RLIMIT_CORE).toEqual({ soft: '0', hard: '4096' });
    expect(json.rlimits.RLIMIT_NPROC).toEqual({ soft: '500', hard: '600' });
    expect(json.rlimits.RLIMIT_MSGQUEUE).toEqual({ soft: '8192', hard: '16384' });
  });

  it('config.md#process: rlimits — a value that cannot be applied MUST generate an error', async () => {
    const id = rt.id('rlimit');
    // The machine has no CAP_SYS_RESOURCE: a hard NOFILE above the host's hard limit cannot be set.
    const b = makeBundle(rt, id, (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }]));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: setrlimit RLIMIT_NOFILE.*: operation not permitted`, 'm'));
    expect((await rt.run(['state', id])).code).not.toBe(0);
  });

  it('config.md#process: rlimits — a duplicated type MUST generate an error; an unknown type MUST generate an error', async () => {
    for (const rl of [
      [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 10 }, { type: 'RLIMIT_NOFILE', soft: 20, hard: 20 }],
      [{ type: 'RLIMIT_NOT_A_LIMIT', soft: 1, hard: 1 }],
    ]) {
      const id = rt.id('rldup');
      const b = makeBundle(rt, id, (c) => (c.process.rlimits = rl));
      const r = await rt.run(['create', '-b', b.dir, id]);
      expect(r.code, JSON.stringify(rl)).not.toBe(0);
      expect(r.stderr).toMatch(/\/process\/rlimits/);
    }
  });

  it('config.md#process: capabilities — all five sets MUST be applied (non-root user keeps only ambient in permitted/effective)', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.capabilities = {
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID'],
        permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_NET_BIND_SERVICE'],
      };
    });
    expect(result.code, result.stderr).toBe(0);
    expect(capNames(capNumbers(json.caps.bounding))).toEqual(['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE']);
    expect(capNames(capNumbers(json.caps.inheritable))).toEqual(['CAP_KILL', 'CAP_NET_BIND_SERVICE']);
    expect(capNames(capNumbers(json.caps.ambient))).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(capNames(capNumbers(json.caps.permitted))).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(capNames(capNumbers(json.caps.effective))).toEqual(['CAP_NET_BIND_SERVICE']);
  });

  it('config.md#process: capabilities — a root process gets exactly the configured bounding/permitted/effective sets', async () => {
    const set = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT'];
    const { json, result } = await runProbe(rt, (c) => {
      c.process.capabilities = { bounding: set, permitted: set, effective: set };
    });
    expect(result.code, result.stderr).toBe(0);
    for (const k of ['bounding', 'permitted', 'effective']) expect(capNames(capNumbers(json.caps[k])), k).toEqual(set);
    expect(json.caps.inheritable).toBe('0000000000000000');
    expect(json.caps.ambient).toBe('0000000000000000');
  });

  it('config.md#process: capabilities — a name that is not a capability MUST generate an error naming its pointer', async () => {
    const id = rt.id('capname');
    const b = makeBundle(rt, id, (c) => c.process.capabilities.bounding.push('CAP_TEST'));
    const r = await rt.run(['create', '-b', b.dir, id]);
    const at = b.config.process.capabilities.bounding.length - 1;
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`tdrun: create ${id}: config.json /process/capabilities/bounding/${at}: "CAP_TEST" is not a capability`);
    expect((await rt.run(['state', id])).code).not.toBe(0);
  });

  it('config.md#process: the process starts with default signal dispositions and an empty mask', async () => {
    // Node ignores SIGPIPE; engines hand the runtime other ignored signals. None may reach the container.
    const { json } = await runProbe(rt);
    expect(json.signals).toEqual({ ignored: '0000000000000000', blocked: '0000000000000000' });
  });
});

describe.skipIf(!!why)('config.md#process terminal', () => {
  it('config.md#process: terminal with --console-socket — the pty master is sent over the socket and the process has the slave as stdio, with consoleSize', async () => {
    const id = rt.id('tty');
    const b = makeBundle(rt, id, (c) => {
      c.process.terminal = true;
      c.process.consoleSize = { height: 33, width: 111 };
    });
    const sock = join(b.dir, 'console.sock');
    const server = spawn('python3', [join(projectRoot, 'spec-tests/lib/console-server.py'), sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    const serverDone = collect(server, 30_000);
    const lines = createInterface({ input: server.stdout! });
    await new Promise<void>((resolve) => lines.once('line', () => resolve()));
    const created = await rt.run(['create', '-b', b.dir, '--console-socket', sock, id]);
    expect(created.code, created.stderr).toBe(0);
    await rt.ok(['start', id]);
    expect(await waitStatus(rt, id, 'stopped', 10_000)).toBe('stopped');
    const out = await serverDone;
    const [infoLine, ...rest] = out.stdout.replace(/\r\n/g, '\n').split('\n').filter((l) => l !== 'READY');
    const info = JSON.parse(infoLine);
    expect(info.fds, out.stderr).toBe(1);
    expect(info.isatty).toBe(true);
    expect(info.winsize).toEqual({ rows: 33, cols: 111 });
    const probe = JSON.parse(rest.join('\n'));
    expect(probe.isatty).toEqual([true, true, true]);
    expect(probe.ttyname).toMatch(/^\/dev\/pts\/\d+$|^\/dev\/console$/);
    expect(probe.winsize).toEqual({ rows: 33, cols: 111 });
    const console = probe.mounts.find((m: any) => m.mountpoint === '/dev/console');
    expect(console, 'the pty slave is bind-mounted on /dev/console').toBeDefined();
    expect(console.fstype).toBe('devpts');
  });

  it('runc behaviour: run with process.terminal, no --console-socket and stdin not a terminal fails at once, leaving nothing', async () => {
    const id = rt.id('notty');
    // sh on a pty whose other end is our /dev/null would wait for input forever
    const b = makeBundle(rt, id, (c) => {
      c.process.terminal = true;
      c.process.args = ['/bin/sh'];
    });
    const r = await rt.run(['run', '-b', b.dir, id], { stdio: ['ignore', 'pipe', 'pipe'], timeoutMs: 10_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe(`tdrun: run ${id}: process.terminal without --console-socket: standard input is not a terminal\n`);
    expect(existsSync(join(rt.root, id)), 'no state directory').toBe(false);
    expect(existingCgroupDirs(`/${id}`), 'no cgroup').toEqual([]);
  });

  it('runc behaviour: exec -t with stdin not a terminal (echo x | exec -t ID sh) fails at once and starts nothing', async () => {
    const b = await startSleeper(rt);
    const before = (await rt.ok(['ps', '--format', 'json', b.id])).stdout;
    const r = await rt.run(['exec', '-t', b.id, '/bin/sh'], { input: 'echo x\n', timeoutMs: 10_000 });
    expect(r.code, r.stderr).toBe(255);
    expect(r.stderr).toBe(`tdrun: exec ${b.id}: process.terminal without --console-socket: standard input is not a terminal\n`);
    expect((await rt.ok(['ps', '--format', 'json', b.id])).stdout).toBe(before);
  });

  it('config.md#process: terminal false — stdio are the runtime\'s own fds (engines pass pipes)', async () => {
    const id = rt.id('stdio');
    const b = makeBundle(rt, id);
    const child = rt.spawn(['run', '-b', b.dir, id]);
    const ours = [0, 1, 2].map((fd) => readlinkSync(`/proc/${child.pid}/fd/${fd}`));
    const r = await collect(child, 30_000);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.fds.slice(0, 3).map((f: any) => f.target)).toEqual(ours);
    expect(json.isatty).toEqual([false, false, false]);
  });
});

describe.skipIf(!!why)('config.md#hostname', () => {
  it('config.md#hostname: hostname and domainname MUST be what the process sees', async () => {
    const { json } = await runProbe(rt, (c) => {
      c.hostname = 'spec-host';
      c.domainname = 'spec.example';
    });
    expect(json.hostname).toBe('spec-host');
    expect(json.domainname).toBe('spec.example');
  });

  it('config.md#hostname: hostname without a new UTS namespace MUST generate an error', async () => {
    const id = rt.id('nouts');
    const b = makeBundle(rt, id, (c) => {
      c.hostname = 'spec-host';
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'uts');
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/hostname/);
  });
});
