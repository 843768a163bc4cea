// The runc-compatible command line engines drive: --pid-file, --preserve-fds, run exit codes, kill,
// list/ps, spec, features, --version, flag errors, the error line and --log-format json.
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle } from './lib/bundle.ts';
import { addOut, createContainer, startSleeper, waitFile, waitStatus } from './lib/containers.ts';
import { pidAlive, pidsInCgroup } from './lib/host.ts';
import { collect, projectRoot, Runtime, skipReason, templateRootfs, waitFor, workDir } from './lib/runtime.ts';
import { addonPath, v8CacheDir } from '../src/paths.ts';
import { gitCommit } from '../src/build/version.ts';

const why = skipReason();
const rt = new Runtime('cli');
afterAll(() => rt.cleanup());

describe.skipIf(!!why)('cli', () => {
  it('create --pid-file MUST write the container pid (the state pid)', async () => {
    const id = rt.id('pidfile');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['/probe', 'sleep', '600']));
    const pidFile = join(b.dir, 'init.pid');
    await rt.ok(['create', '-b', b.dir, '--pid-file', pidFile, id]);
    expect(Number(readFileSync(pidFile, 'utf8').trim())).toBe((await rt.state(id)).pid);
  });

  it('create --preserve-fds N passes fds 3..3+N-1 and nothing else (LISTEN_FDS)', async () => {
    const id = rt.id('preserve');
    const b = makeBundle(rt, id, (c) => c.process.env.push('LISTEN_FDS=2'));
    const files = ['f3', 'f4', 'f5'].map((n) => {
      writeFileSync(join(b.dir, n), n);
      return openSync(join(b.dir, n), 'r');
    });
    try {
      const child = rt.spawn(['run', '--preserve-fds', '2', '-b', b.dir, id], { stdio: ['pipe', 'pipe', 'pipe', ...files] });
      const r = await collect(child, 30_000);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.fds.map((f: any) => f.fd)).toEqual([0, 1, 2, 3, 4]);
      expect(json.fds[3].target).toMatch(/f3$/);
      expect(json.fds[4].target).toMatch(/f4$/);
      expect(json.env).toContain('LISTEN_FDS=2');
    } finally {
      files.forEach((fd) => closeSync(fd));
    }
  });

  it('run exits with the container process status', async () => {
    const id = rt.id('exit');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['/probe', 'exit', '42']));
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(42);
    expect((await rt.run(['state', id])).code, 'run deletes the container').not.toBe(0);
  });

  it('run exits 128+N when the container process is killed by signal N', async () => {
    const id = rt.id('sig');
    const b = makeBundle(rt, id, (c) => {
      // Not PID 1 of a pid namespace, so the process can kill itself with SIGTERM.
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'pid');
      c.process.args = ['/probe', 'kill-self', '15'];
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(143);
    const id2 = rt.id('sigkill');
    const b2 = makeBundle(rt, id2, (c) => (c.process.args = ['/probe', 'sleep', '600']));
    const child = rt.spawn(['run', '-b', b2.dir, id2]);
    const done = collect(child, 30_000);
    expect(await waitStatus(rt, id2, 'running')).toBe('running');
    await rt.ok(['kill', id2, 'KILL']);
    expect((await done).code).toBe(137);
  });

  it('run and exec pass the signals they get on to the container process and exit with its status', async () => {
    const script = (out: string) =>
      `trap "echo usr1 >> ${out}/sig" USR1; trap "echo term >> ${out}/sig; exit 7" TERM; echo up > ${out}/up; while :; do /bin/sleep 0.05; done`;
    const id = rt.id('fwd');
    const b = makeBundle(rt, id, (c, bb) => {
      addOut(c, bb);
      c.process.args = ['/bin/sh', '-c', script('/out')];
    });
    const run = rt.spawn(['run', '-b', b.dir, id]);
    const ran = collect(run, 30_000);
    expect(await waitFile(join(b.dir, 'out/up'))).toBe('up\n');
    run.kill('SIGUSR1');
    await waitFor(() => existsSync(join(b.dir, 'out/sig')));
    // the exec'd shell: its own files beside the init's
    mkdirSync(join(b.dir, 'out/exec'), { recursive: true });
    const exec = rt.spawn(['exec', id, '/bin/sh', '-c', script('/out/exec')]);
    const execed = collect(exec, 30_000);
    expect(await waitFile(join(b.dir, 'out/exec/up'))).toBe('up\n');
    exec.kill('SIGUSR1');
    await waitFor(() => existsSync(join(b.dir, 'out/exec/sig')));
    exec.kill('SIGTERM');
    const execResult = await execed;
    expect(execResult.code, execResult.stderr).toBe(7);
    expect(readFileSync(join(b.dir, 'out/exec/sig'), 'utf8')).toBe('usr1\nterm\n');
    run.kill('SIGTERM');
    expect((await ran).code).toBe(7);
    expect(readFileSync(join(b.dir, 'out/sig'), 'utf8')).toBe('usr1\nterm\n');
  });

  it('run -d returns at once and leaves the container running', async () => {
    const id = rt.id('detach');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['/probe', 'sleep', '600']));
    const r = await rt.run(['run', '-d', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
    expect((await rt.state(id)).status).toBe('running');
    // started without an exec fifo: none is left to mistake it for a created container
    expect(readdirSync(join(rt.root, id))).not.toContain('exec.fifo');
    const again = await rt.run(['start', id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('cannot start an already running container');
  });

  it('kill accepts signal names with and without SIG and numbers; an unknown signal is an error', async () => {
    for (const sig of ['SIGUSR1', 'USR1', '10']) {
      const b = await createContainer(rt, ['/bin/sh', '-c', 'trap "echo USR1 > /out/sig; exit 0" USR1; echo up > /out/up; while :; do /bin/sleep 0.1; done'], addOut);
      await rt.ok(['start', b.id]);
      expect(await waitFile(join(b.dir, 'out/up'))).toBe('up\n');
      await rt.ok(['kill', b.id, sig]);
      expect(await waitFile(join(b.dir, 'out/sig')), sig).toBe('USR1\n');
    }
    const b = await startSleeper(rt);
    const r = await rt.run(['kill', b.id, 'SIGNOTASIGNAL']);
    expect(r.code).not.toBe(0);
    expect((await rt.state(b.id)).status).toBe('running');
  });

  it('kill -a signals every process in the container cgroup; without -a only the init', async () => {
    const run = async (all: boolean) => {
      const id = rt.id(all ? 'killall' : 'killone');
      const cg = `/tdrun-spec-${id}`;
      const b = makeBundle(rt, id, (c) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'pid');
        c.linux.cgroupsPath = cg;
        c.process.args = ['/bin/sh', '-c', '/probe sleep 600 & /probe sleep 600 & wait'];
      });
      await rt.ok(['create', '-b', b.dir, id]);
      await rt.ok(['start', id]);
      await waitFor(() => pidsInCgroup(cg).length >= 3);
      const pids = pidsInCgroup(cg);
      expect(pids.length).toBe(3);
      await rt.ok(['kill', ...(all ? ['-a'] : []), id, 'KILL']);
      await waitFor(() => pids.filter(pidAlive).length === (all ? 0 : 2), 3000);
      return pids.filter(pidAlive).length;
    };
    expect(await run(true)).toBe(0);
    expect(await run(false)).toBe(2);
  });

  it('list: table, -f json and -q', async () => {
    const b = await startSleeper(rt);
    const table = await rt.ok(['list']);
    expect(table.stdout.split('\n')[0].split(/\s+/).filter(Boolean)).toEqual(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']);
    expect(table.stdout).toMatch(new RegExp(`^${b.id}\\s+\\d+\\s+running\\s+${b.dir}`, 'm'));
    const json = JSON.parse((await rt.ok(['list', '-f', 'json'])).stdout);
    const mine = json.find((x: any) => x.id === b.id);
    expect(mine).toMatchObject({ id: b.id, status: 'running', bundle: b.dir });
    expect(mine.pid).toBe((await rt.state(b.id)).pid);
    expect(typeof mine.created).toBe('string');
    expect((await rt.ok(['list', '-q'])).stdout.split('\n')).toContain(b.id);
    // runc: state's owner is empty, list names the owner of the state directory (root here)
    expect((await rt.state(b.id)).owner).toBe('');
    expect(table.stdout).toMatch(new RegExp(`^${b.id}\\s.*\\sroot$`, 'm'));
  });

  it('ps: --format json is the array of host pids; the table lists the init pid', async () => {
    const b = await startSleeper(rt);
    const pid = (await rt.state(b.id)).pid;
    expect(JSON.parse((await rt.ok(['ps', '--format', 'json', b.id])).stdout)).toEqual([pid]);
    const table = (await rt.ok(['ps', b.id])).stdout.split('\n');
    expect(table[0]).toMatch(/PID/);
    expect(table.some((l) => l.split(/\s+/).includes(String(pid)))).toBe(true);
  });

  it('ps and kill --all of a stopped container: the header (json: []) and exit 0, as runc (the containerd shim kills so)', async () => {
    const b = await createContainer(rt, ['/probe', 'exit', '0']);
    await rt.ok(['start', b.id]);
    expect(await waitStatus(rt, b.id, 'stopped')).toBe('stopped');
    expect((await rt.ok(['ps', b.id])).stdout.trim()).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect(JSON.parse((await rt.ok(['ps', '--format', 'json', b.id])).stdout)).toEqual([]);
    await rt.ok(['kill', '--all', b.id, '9']);
    expect((await rt.run(['kill', b.id, '9'])).code, 'without --all it stays an error (runtime.md)').toBe(1);
    await rt.ok(['delete', b.id]);
  });

  it('spec output runs unchanged (terminal true, sh) on a busybox rootfs, attached to the caller\'s terminal', async () => {
    const dir = join(rt.bundles, rt.id('spec'));
    mkdirSync(dir, { recursive: true });
    cpSync(templateRootfs, join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    await rt.ok(['spec', '-b', dir]);
    const r = await rt.runOnTerminal(['run', '-b', dir, rt.id('specrun')], 'echo hello-$((6*7)); exit 3\n');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toContain('hello-42');
  });

  it('features prints the runtime-spec features JSON', async () => {
    const f = JSON.parse((await rt.ok(['features'])).stdout);
    expect(f.ociVersionMin).toMatch(/^1\.\d+\.\d+$/);
    expect(f.ociVersionMax).toMatch(/^1\.\d+\.\d+$/);
    expect(f.hooks).toEqual(expect.arrayContaining(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']));
    expect(f.mountOptions).toEqual(expect.arrayContaining(['ro', 'rw', 'bind', 'rbind', 'nosuid', 'nodev', 'noexec', 'rprivate']));
    expect(f.linux.namespaces).toEqual(expect.arrayContaining(['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts', 'time']));
    expect(f.linux.capabilities).toContain('CAP_CHOWN');
    expect(typeof f.linux.cgroup).toBe('object');
    expect(f.linux.seccomp?.enabled).toBe(true);
    expect(f.linux.seccomp.operators).toContain('SCMP_CMP_MASKED_EQ');
  });

  it('a damaged code cache of the bundle is rejected and replaced, never run (src/launcher.ts)', async () => {
    const bundle = join(projectRoot, 'dist/tdrun.cjs');
    const built = statSync(bundle);
    const cache = join(v8CacheDir, `tdrun-features-${built.size}-${Math.trunc(built.mtimeMs)}.bin`);
    await rt.ok(['features']);
    const good = readFileSync(cache);
    for (const damaged of [good.subarray(0, good.length >> 1), Buffer.alloc(good.length, 0x5a)]) {
      writeFileSync(cache, damaged);
      const f = JSON.parse((await rt.ok(['features'])).stdout);
      expect(f.ociVersionMax).toMatch(/^1\.\d+\.\d+$/);
      expect(readFileSync(cache).equals(damaged), 'the launcher writes a good cache in its place').toBe(false);
    }
  });

  it('a call that succeeds early (--help) makes no code cache; a full one does (src/code-cache.ts)', async () => {
    const built = statSync(join(projectRoot, 'dist/tdrun.cjs'));
    // --help and --version have no command word: both would share the "other" cache
    const cache = join(v8CacheDir, `tdrun-other-${built.size}-${Math.trunc(built.mtimeMs)}.bin`);
    rmSync(cache, { force: true });
    await rt.ok(['--help']);
    expect(existsSync(cache), 'help runs none of a command').toBe(false);
    await rt.ok(['--version']);
    expect(existsSync(cache), 'a full call writes the cache').toBe(true);
  });

  // These use caches of their own (TDRUN_CODE_CACHE_DIR): other test files write the shared ones
  // at the same time.
  const ownCaches = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdrun-code-cache-'));
    const built = statSync(join(projectRoot, 'dist/tdrun.cjs'));
    return {
      env: { ...process.env, TDRUN_CODE_CACHE_DIR: dir },
      cacheOf: (key: string) => join(dir, `tdrun-${key}-${built.size}-${Math.trunc(built.mtimeMs)}.bin`),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  };

  it('a call with a seccomp profile writes its command a cache with that code too, which calls then prefer (src/code-cache.ts)', async () => {
    const { env, cacheOf, remove } = ownCaches();
    const [plainCache, seccompCache] = [cacheOf('run'), cacheOf('run').replace(/\.bin$/, '+seccomp.bin')];
    const id = rt.id('cache-seccomp');
    const plain = makeBundle(rt, `${id}-plain`, (c) => (c.process.args = ['/bin/true']));
    const profiled = makeBundle(rt, `${id}-seccomp`, (c) => {
      c.process.args = ['/bin/true'];
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['bpf'], action: 'SCMP_ACT_ERRNO' }] };
    });
    try {
      await rt.ok(['run', '-b', plain.dir, `${id}-1`], { env });
      expect(existsSync(plainCache), 'a plain run writes the plain cache').toBe(true);
      expect(existsSync(seccompCache)).toBe(false);
      await rt.ok(['run', '-b', profiled.dir, `${id}-2`], { env });
      expect(existsSync(seccompCache), 'a run with a profile writes the other').toBe(true);
      // Loaded in preference, the other is never read: a damaged plain cache stays as it is, where
      // a launcher that read it would have rejected and replaced it.
      const damaged = Buffer.alloc(64, 0x5a);
      writeFileSync(plainCache, damaged);
      await rt.ok(['run', '-b', plain.dir, `${id}-3`], { env });
      expect(readFileSync(plainCache).equals(damaged)).toBe(true);
      // a damaged cache with the profile's code is rejected; a call with a profile replaces it...
      writeFileSync(seccompCache, damaged);
      await rt.ok(['run', '-b', profiled.dir, `${id}-4`], { env });
      expect(readFileSync(seccompCache).equals(damaged)).toBe(false);
      // ...and a call without one, which cannot, removes it and writes its own
      writeFileSync(seccompCache, damaged);
      await rt.ok(['run', '-b', plain.dir, `${id}-5`], { env });
      expect(existsSync(seccompCache)).toBe(false);
      expect(readFileSync(plainCache).equals(damaged)).toBe(false);
    } finally {
      remove();
    }
  });

  it('exec --process and exec with a command keep code caches of their own (src/launcher.ts)', async () => {
    const { env, cacheOf, remove } = ownCaches();
    try {
      const b = await startSleeper(rt);
      await rt.ok(['exec', b.id, '/bin/true'], { env });
      expect(existsSync(cacheOf('exec'))).toBe(true);
      expect(existsSync(cacheOf('exec-process')), 'exec with a command makes no exec-process cache').toBe(false);
      const processJson = join(b.dir, 'true.json');
      writeFileSync(processJson, JSON.stringify({ args: ['/bin/true'], cwd: '/', user: { uid: 0, gid: 0 } }));
      await rt.ok(['exec', '--process', processJson, b.id], { env });
      expect(existsSync(cacheOf('exec-process'))).toBe(true);
    } finally {
      remove();
    }
  });

  it('tdrun started by a Node with options of its own exits through Node, so --cpu-prof still writes its profile', () => {
    const dir = mkdtempSync(join(workDir, 'cpuprof-'));
    try {
      const node = join(projectRoot, 'node_modules/node/bin/node');
      const out = execFileSync(node, ['--cpu-prof', `--cpu-prof-dir=${dir}`, join(projectRoot, 'bin/tdrun'), '--version'], { encoding: 'utf8' });
      expect(out).toMatch(/^tdrun version/);
      expect(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the addon finds V8\'s flag setter (the launcher turns the optimising compilers off with it)', () => {
    const node = join(projectRoot, 'node_modules/node/bin/node');
    const script = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(addonPath)}); process.stdout.write(String(m.exports.setV8Flags('--no-sparkplug')));`;
    expect(execFileSync(node, ['-e', script], { encoding: 'utf8' })).toBe('true');
  });

  it('--debug prints each step of run with the milliseconds since the process started, in order', async () => {
    const id = rt.id('debug');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['/probe', 'exit', '0']));
    const r = await rt.run(['run', '-b', b.dir, id], { global: ['--debug'] });
    expect(r.code, r.stderr).toBe(0);
    const steps = [...r.stderr.matchAll(/^tdrun: debug: \[([\d.]+) ms\] (.*)$/gm)].map((m) => ({ at: Number(m[1]), what: m[2] }));
    const names = steps.map((s) => s.what.replace(id, '<id>').replace(/\d+/g, 'N'));
    expect(names).toEqual([
      'run: command loaded', 'create <id>: config.json checked', 'create <id>: state written',
      'create <id>: tdrun-init spawned', 'create <id>: cgroups made',
      'create <id>: init pid N', 'create <id>: init ready', 'run <id>: started', 'run <id>: process exited', 'run <id>: deleted',
    ]);
    for (let i = 1; i < steps.length; i++) expect(steps[i].at).toBeGreaterThanOrEqual(steps[i - 1].at);
  });

  it('--version prints runc\'s lines, which dockerd parses: version, commit of the build, spec version, libseccomp', async () => {
    const r = await rt.ok(['--version']);
    const [version, commit, spec, seccomp, ...rest] = r.stdout.split('\n');
    expect(version).toBe(`tdrun version ${JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version}`);
    const features = JSON.parse((await rt.ok(['features'])).stdout);
    expect(spec).toBe(`spec: ${features.ociVersionMax}`);
    expect(seccomp).toBe(`libseccomp: ${features.annotations['io.github.seccomp.libseccomp.version']}`);
    expect(rest).toEqual(['']);
    if (gitCommit(projectRoot) === 'unknown') {
      expect(commit).toBe('commit: unknown');
    } else {
      // the commit the bundle was built from, which may be older than HEAD
      const sha = /^commit: ([0-9a-f]{40})$/.exec(commit)?.[1];
      expect(sha, commit).toBeDefined();
      execFileSync('git', ['-C', projectRoot, 'cat-file', '-e', `${sha}^{commit}`]);
    }
  });

  it('--version says "commit: unknown" when built outside a git checkout (src/build/version.ts)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdrun-nogit-'));
    try {
      expect(gitCommit(dir)).toBe('unknown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unknown flags and commands are errors', async () => {
    const flag = await rt.run(['state', '--no-such-flag', 'x']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/no-such-flag/);
    const cmd = await rt.run(['no-such-command']);
    expect(cmd.code).not.toBe(0);
    expect(cmd.stderr).toMatch(/no-such-command/);
  });

  it('errors are one line "tdrun: <op> <id>: <what>: <why>"; --log-format json appends the same as the last JSON line', async () => {
    const log = join(rt.bundles, 'log.json');
    mkdirSync(rt.bundles, { recursive: true });
    writeFileSync(log, '');
    const r = await rt.run(['start', 'nope'], { global: ['--log', log, '--log-format', 'json'] });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['tdrun: start nope: container does not exist']);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const lastLine = JSON.parse(lines[lines.length - 1]);
    expect(lastLine).toMatchObject({ level: 'error', msg: 'start nope: container does not exist' });
    expect(Number.isNaN(Date.parse(lastLine.time))).toBe(false);
  });

  it('bare tdrun prints the help and exits 0; `help COMMAND` is that command\'s --help (runc)', async () => {
    const bare = await rt.run([]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/^tdrun \[global options\] command/);
    expect(bare.stdout).toMatch(/'tdrun help COMMAND'/);
    const help = await rt.run(['help', 'exec']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^tdrun exec <container-id> \[command\.\.\]/);
  });

  it('an unknown command is named as such', async () => {
    const r = await rt.run(['checkpoint', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('tdrun: usage: unknown command "checkpoint"');
  });

  it('every option of exec --help and spec --help is described (spec has --rootless)', async () => {
    for (const cmd of ['exec', 'spec']) {
      const r = await rt.ok([cmd, '--help']);
      const undescribed = r.stdout.split('\n').filter((l) => /^\s+(-\w, )?--[\w-]+\s+\[/.test(l));
      expect(undescribed, `${cmd} --help`).toEqual([]);
    }
    expect((await rt.ok(['spec', '--help'])).stdout).toMatch(/--rootless\s+\S/);
  });

  it('a --log in a missing directory is one line saying so; -b FILE names the path', async () => {
    const log = join(rt.bundles, 'no-such-dir', 'log.json');
    const r = await rt.run(['state', 'nope'], { global: ['--log', log] });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['tdrun: state nope: container does not exist', `tdrun: write log ${log}: no such file or directory`]);
    mkdirSync(rt.bundles, { recursive: true });
    const file = join(rt.bundles, 'not-a-bundle');
    writeFileSync(file, '');
    const id = rt.id('bfile');
    const c = await rt.run(['create', '-b', file, id]);
    expect(c.stderr.trim()).toBe(`tdrun: create ${id}: open ${file}/config.json: not a directory`);
  });

  it('update -r - ID reads the resources from stdin (the short flag the help documents)', async () => {
    const b = await startSleeper(rt, (c) => (c.linux.resources = { pids: { limit: 100 } }));
    const r = await rt.run(['update', '-r', '-', b.id], { input: JSON.stringify({ pids: { limit: 42 } }) });
    expect(r.code, r.stderr).toBe(0);
    await rt.ok(['delete', '-f', b.id]);
  });

  it('kill ID 0 checks that the init is alive (runc): 0 while it runs, an error once stopped', async () => {
    const b = await startSleeper(rt);
    await rt.ok(['kill', b.id, '0']);
    expect((await rt.state(b.id)).status).toBe('running');
    await rt.ok(['kill', b.id, 'KILL']);
    expect(await waitStatus(rt, b.id, 'stopped')).toBe('stopped');
    const r = await rt.run(['kill', b.id, '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`tdrun: kill ${b.id}: container not running`);
  });

  it('exec failures exit 255 as runc\'s do (engines tell them from the process\'s own status)', async () => {
    const b = await startSleeper(rt);
    const missing = await rt.run(['exec', b.id, '/no-such-binary']);
    expect(missing.code, missing.stderr).toBe(255);
    expect(missing.stderr).toMatch(new RegExp(`^tdrun: exec ${b.id}: exec: "/no-such-binary": stat /no-such-binary: no such file or directory`, 'm'));
    expect((await rt.run(['exec', 'no-such-container', '/bin/true'])).code).toBe(255);
    expect((await rt.run(['exec', b.id, '/probe', 'exit', '1'])).code, 'the process\'s own status').toBe(1);
    await rt.ok(['delete', '-f', b.id]);
  });

  it('delete -f of an id that does not exist succeeds silently', async () => {
    const r = await rt.run(['delete', '-f', 'never-existed']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
