// tdrun behind real engines (shared/engine-calls.md): podman, containerd (ctr and the runc v2 shim
// with BinaryName, Kubernetes' path) and dockerd, each on private roots (spec-tests/lib/engines.ts),
// with the engines' default security settings. Every scenario runs with runc first in the same
// run: when runc fails it too, the environment is at fault, and the test says so.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Containerd, Docker, enginesDir, ensureEngines, IMAGE, Podman, RootlessPodman, runtimePath, tdrun, type Outcome, type RuntimeName } from './lib/engines.ts';
import { skipReason, waitFor } from './lib/runtime.ts';

function enginesMissing(): string | null {
  const why = skipReason() ?? ensureEngines();
  if (why) console.warn(`engine suite skipped: ${why}`);
  return why;
}
const why = enginesMissing();

/** A scenario run with runc (the reference), then with tdrun. */
function both(name: string, scenario: (runtime: RuntimeName, tag: string) => Promise<void>, timeout = 120_000): void {
  it(name, async () => {
    try {
      await scenario('runc', 'ref');
    } catch (err) {
      throw new Error(`runc fails this scenario too, so the machine is at fault, not tdrun: ${(err as Error).message}`);
    }
    await scenario('tdrun', 'td');
  }, timeout);
}

const ok = (o: Outcome, what: string): Outcome => {
  expect(o.code, `${what}\nstdout: ${o.stdout}\nstderr: ${o.stderr}`).toBe(0);
  return o;
};
const capEff = (status: string) => /CapEff:\s*([0-9a-f]+)/.exec(status)?.[1];

/** What a security reviewer says of an engine's default container: root without a user
 *  namespace and no memory limit are the known gaps (medium), the engine's seccomp profile is
 *  there, nothing is a way out (no high finding, so exit 0), and the running processes hold
 *  nothing their config did not grant (no TD7xx). */
function expectReviewerFindings(r: Outcome, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  const ids = JSON.parse(r.stdout).findings.map((f: { id: string; severity: string }) => `${f.id}:${f.severity}`);
  expect(ids, what).toContain('TD101:medium');
  expect(ids, what).toContain('TD401:medium');
  expect(ids.filter((f: string) => f.startsWith('TD106')), what).toEqual([]);
  expect(ids.filter((f: string) => f.endsWith(':high')), what).toEqual([]);
  if (what === 'live') expect(ids.filter((f: string) => f.startsWith('TD7')), what).toEqual([]);
}

/** Whether a `sleep SECONDS` runs anywhere on the host. */
function pgrepSleep(seconds: string): boolean {
  for (const pid of readdirSync('/proc')) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${seconds}\0`) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

let counter = 0;
const unique = (tag: string) => `tdrun-engines-${process.pid}-${tag}-${++counter}`;

afterAll(() => rmSync(enginesDir, { recursive: true, force: true }));

describe.skipIf(!!why)('podman --runtime tdrun', () => {
  const podman = new Podman('p');
  beforeAll(() => podman.setup(), 600_000);
  afterAll(() => podman.cleanup(), 120_000);
  const p = (runtime: RuntimeName, args: string[]) => podman.podman(runtime, args);

  both('run --rm passes output and exit status through', async (r) => {
    const o = await p(r, ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'echo hello; exit 7']);
    expect(o.stdout.trim(), o.stderr).toBe('hello');
    expect(o.code).toBe(7);
  });

  both("podman's default seccomp profile is active, loopback is up in a new network namespace", async (r) => {
    const o = ok(await p(r, ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'grep Seccomp: /proc/self/status; ip -o link show lo']), 'run');
    expect(o.stdout).toMatch(/Seccomp:\s+2/);
    expect(o.stdout).toMatch(/<LOOPBACK,UP/);
  });

  both('run -d, exec, logs, stop and rm', async (r, tag) => {
    const name = unique(tag);
    ok(await p(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sh', '-c', 'echo started; exec sleep 600']), 'run -d');
    const e = ok(await p(r, ['exec', name, 'sh', '-c', 'echo from-exec; exit 0']), 'exec');
    expect(e.stdout.trim()).toBe('from-exec');
    const failing = await p(r, ['exec', name, 'sh', '-c', 'exit 3']);
    expect(failing.code).toBe(3);
    expect((await p(r, ['logs', name])).stdout).toContain('started');
    ok(await p(r, ['stop', '-t', '2', name]), 'stop');
    ok(await p(r, ['rm', name]), 'rm');
  });

  both('exec -t and run -t get a terminal through the console socket', async (r, tag) => {
    const o = ok(await p(r, ['run', '--rm', '-t', '--network', 'none', IMAGE, 'tty']), 'run -t');
    expect(o.stdout.trim()).toMatch(/^\/dev\/pts\/\d+$/);
    const name = unique(tag);
    ok(await p(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sleep', '600']), 'run -d');
    const e = ok(await p(r, ['exec', '-t', name, 'tty']), 'exec -t');
    expect(e.stdout.trim()).toMatch(/^\/dev\/pts\/\d+$/);
    ok(await p(r, ['rm', '-f', '-t', '0', name]), 'rm -f');
  });

  both('--user and --cap-drop ALL', async (r) => {
    const o = ok(await p(r, ['run', '--rm', '--network', 'none', '--user', '65534:65534', '--cap-drop', 'ALL', IMAGE, 'sh', '-c', 'id -u; cat /proc/self/status']), 'run');
    expect(o.stdout.split('\n')[0]).toBe('65534');
    expect(capEff(o.stdout)).toBe('0000000000000000');
  });

  both('--memory and --pids-limit are what the container sees', async (r) => {
    const o = ok(await p(r, ['run', '--rm', '--network', 'none', '--memory', '64m', '--pids-limit', '50', IMAGE, 'sh', '-c',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max']), 'run');
    expect(o.stdout.trim().split('\n')).toEqual(['67108864', '50']);
  });

  both('--read-only with --tmpfs (tmpcopyup): the tmpfs is writable and keeps the image content, the rest is not', async (r) => {
    const o = ok(await p(r, ['run', '--rm', '--network', 'none', '--read-only', '--tmpfs', '/etc', IMAGE, 'sh', '-c',
      'grep -c root /etc/passwd; touch /etc/new && echo tmpfs-writable; touch /x 2>/dev/null || echo rootfs-read-only']), 'run');
    expect(o.stdout.trim().split('\n')).toEqual(['1', 'tmpfs-writable', 'rootfs-read-only']);
  });

  both('a bind-mounted volume is written through to the host', async (r, tag) => {
    const dir = join(enginesDir, unique(tag));
    mkdirSync(dir, { recursive: true });
    try {
      ok(await p(r, ['run', '--rm', '--network', 'none', '-v', `${dir}:/data`, IMAGE, 'sh', '-c', 'echo through > /data/f']), 'run');
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('through\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  both('pause, unpause and top', async (r, tag) => {
    const name = unique(tag);
    ok(await p(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sleep', '600']), 'run -d');
    ok(await p(r, ['pause', name]), 'pause');
    expect((await p(r, ['inspect', '--format', '{{.State.Status}}', name])).stdout.trim()).toBe('paused');
    ok(await p(r, ['unpause', name]), 'unpause');
    expect((await p(r, ['inspect', '--format', '{{.State.Status}}', name])).stdout.trim()).toBe('running');
    expect(ok(await p(r, ['top', name]), 'top').stdout).toContain('sleep');
    ok(await p(r, ['rm', '-f', '-t', '0', name]), 'rm -f');
  });

  both('stop escalates to SIGKILL when the process ignores SIGTERM', async (r, tag) => {
    const name = unique(tag);
    ok(await p(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sh', '-c', 'trap "" TERM; while :; do sleep 1; done']), 'run -d');
    ok(await p(r, ['stop', '-t', '1', name]), 'stop');
    expect((await p(r, ['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim()).toBe('137');
    ok(await p(r, ['rm', name]), 'rm');
  });

  both('--pid host: rm -f ends every process of a container without a pid namespace of its own, and no other', async (r, tag) => {
    const name = unique(tag);
    // two sleeps of distinct lengths: the container's, told apart from any other on the host
    const marks = tag === 'td' ? ['601', '602'] : ['603', '604'];
    ok(await p(r, ['run', '-d', '--name', name, '--pid', 'host', '--network', 'none', IMAGE, 'sh', '-c', `sleep ${marks[0]} & sleep ${marks[1]}; wait`]), 'run -d');
    const alive = () => marks.filter((m) => pgrepSleep(m));
    expect(await waitFor(() => alive().length === 2, 5000), 'both sleeps run').toBe(true);
    const bystander = spawn('sleep', ['605']);
    try {
      ok(await p(r, ['rm', '-f', '-t', '0', name]), 'rm -f');
      expect(await waitFor(() => alive().length === 0, 5000), `left running: ${alive()}`).toBe(true);
      expect(bystander.exitCode, 'a host process outside the container').toBeNull();
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  both('--network container:X joins another container\'s network namespace by path', async (r, tag) => {
    const name = unique(tag);
    ok(await p(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sh', '-c', 'nc -l -p 7070 -e echo pong; sleep 600']), 'run -d');
    const o = await waitFor(async () => {
      const got = await p(r, ['run', '--rm', '--network', `container:${name}`, IMAGE, 'sh', '-c', 'echo ping | nc 127.0.0.1 7070']);
      return got.stdout.includes('pong') ? got : null;
    }, 10_000, 200);
    expect(o?.stdout).toContain('pong');
    ok(await p(r, ['rm', '-f', '-t', '0', name]), 'rm -f');
  });
  it("tdrun audit of podman's own config and of its running container: the default's known gaps, no way out, no drift", async () => {
    const name = unique('audit');
    ok(await p('tdrun', ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sleep', '600']), 'run -d');
    const id = (await p('tdrun', ['inspect', '--format', '{{.Id}}', name])).stdout.trim();
    const bundle = dirname((await p('tdrun', ['inspect', '--format', '{{.OCIConfigPath}}', name])).stdout.trim());
    // podman calls tdrun without --root: the default state root
    for (const target of [['-b', bundle], [id]]) {
      const r = await tdrun(['--root', '/run/tdrun', 'audit', '--format', 'json', ...target]);
      expectReviewerFindings(r, target[0] === '-b' ? 'bundle' : 'live');
    }
    ok(await p('tdrun', ['rm', '-f', '-t', '0', name]), 'rm -f');
  });
});

describe.skipIf(!!why)('rootless podman --runtime tdrun (an unprivileged user with subuid ranges)', () => {
  let podman: RootlessPodman;
  beforeAll(async () => {
    podman = new RootlessPodman('pr');
    await podman.setup();
  }, 600_000);
  afterAll(() => podman?.cleanup(), 120_000);
  const p = (runtime: RuntimeName, args: string[]) => podman.podman(runtime, args);

  both('run, exec, stop and rm, in the user namespace podman made from the ranges', async (r, tag) => {
    const { user } = podman;
    const o = ok(await p(r, ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'id -u; cat /proc/self/uid_map']), 'run --rm');
    const lines = o.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines[0]).toBe('0');
    expect(lines).toContain(`0 ${user.uid} 1`);
    expect(lines).toContain(`1 ${user.subuid.start} ${user.subuid.count}`);
    const name = unique(tag);
    ok(await p(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sh', '-c', 'echo started; exec sleep 600']), 'run -d');
    const e = ok(await p(r, ['exec', name, 'sh', '-c', 'echo from-exec; exit 0']), 'exec');
    expect(e.stdout.trim()).toBe('from-exec');
    expect((await p(r, ['exec', name, 'sh', '-c', 'exit 3'])).code).toBe(3);
    expect((await p(r, ['logs', name])).stdout).toContain('started');
    // podman calls the runtime without --root: its state is in the user's runtime dir (runc's too)
    const id = ok(await p(r, ['inspect', '--format', '{{.Id}}', name]), 'inspect').stdout.trim();
    expect(readdirSync(join(user.runtimeDir, r === 'tdrun' ? 'tdrun' : 'runc'))).toContain(id);
    ok(await p(r, ['stop', '-t', '2', name]), 'stop');
    ok(await p(r, ['rm', name]), 'rm');
    expect((await p(r, ['ps', '-aq'])).stdout.trim()).toBe('');
  });

  both('the exit status passes through; on cgroup v1 podman itself drops --memory, saying so', async (r) => {
    const o = await p(r, ['run', '--rm', '--network', 'none', '--memory', '64m', IMAGE, 'sh', '-c', 'exit 7']);
    expect(o.code, o.stderr).toBe(7);
    if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) expect(o.stderr).toContain('Resource limits are not supported and ignored on cgroups V1 rootless systems');
  });
});

describe.skipIf(!!why)('containerd (ctr, runc v2 shim with BinaryName) with tdrun', () => {
  const podman = new Podman('pc');
  const containerd = new Containerd('c');
  beforeAll(async () => {
    await podman.setup();
    await containerd.setup(await podman.save('oci-archive'));
  }, 600_000);
  afterAll(async () => {
    await containerd.cleanup();
    await podman.cleanup();
  }, 120_000);
  const runArgs = (r: RuntimeName) => ['--runc-binary', runtimePath(r)];

  both('ctr run --rm passes output and exit status through; loopback is up', async (r, tag) => {
    const o = await containerd.ctr(['run', '--rm', ...runArgs(r), IMAGE, unique(tag), 'sh', '-c', 'ip -o link show lo; echo hello; exit 7']);
    expect(o.stdout, o.stderr).toContain('hello');
    expect(o.stdout).toMatch(/<LOOPBACK,UP/);
    expect(o.code).toBe(7);
  });

  both('ctr run --seccomp: the default profile is active', async (r, tag) => {
    const o = ok(await containerd.ctr(['run', '--rm', '--seccomp', ...runArgs(r), IMAGE, unique(tag), 'grep', 'Seccomp:', '/proc/self/status']), 'run');
    expect(o.stdout).toMatch(/Seccomp:\s+2/);
  });

  both('task exec, ps, pause, resume, kill and delete', async (r, tag) => {
    const id = unique(tag);
    ok(await containerd.ctr(['run', '-d', ...runArgs(r), IMAGE, id, 'sleep', '600']), 'run -d');
    const e = ok(await containerd.ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo from-exec']), 'exec');
    expect(e.stdout.trim()).toBe('from-exec');
    expect(ok(await containerd.ctr(['task', 'ps', id]), 'ps').stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    ok(await containerd.ctr(['task', 'pause', id]), 'pause');
    expect((await containerd.ctr(['task', 'ls'])).stdout).toMatch(new RegExp(`${id}\\s+\\d+\\s+PAUSED`));
    ok(await containerd.ctr(['task', 'resume', id]), 'resume');
    ok(await containerd.ctr(['task', 'kill', '-s', 'SIGKILL', id]), 'kill');
    await waitFor(async () => /STOPPED/.test((await containerd.ctr(['task', 'ls'])).stdout), 10_000, 100);
    ok(await containerd.ctr(['task', 'delete', id]), 'task delete');
    ok(await containerd.ctr(['containers', 'rm', id]), 'containers rm');
  });
});

describe.skipIf(!!why)('dockerd --add-runtime tdrun', () => {
  const podman = new Podman('pd');
  const docker = new Docker('d');
  beforeAll(async () => {
    await podman.setup();
    await docker.setup(await podman.save('docker-archive'));
  }, 600_000);
  afterAll(async () => {
    await docker.cleanup();
    await podman.cleanup();
  }, 120_000);
  const d = (r: RuntimeName, args: string[]) => docker.docker([args[0], '--runtime', Docker.runtimeName(r), ...args.slice(1)]);

  both("run --rm passes the exit status through; docker's default seccomp profile is active", async (r) => {
    const o = await d(r, ['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c', 'grep Seccomp: /proc/self/status; exit 7']);
    expect(o.stdout, o.stderr).toMatch(/Seccomp:\s+2/);
    expect(o.code).toBe(7);
  });

  both('run -d, exec, logs, pause, unpause, stop and rm', async (r, tag) => {
    const name = unique(tag);
    ok(await d(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sh', '-c', 'echo started; exec sleep 600']), 'run -d');
    expect(ok(await docker.docker(['exec', name, 'sh', '-c', 'echo from-exec']), 'exec').stdout.trim()).toBe('from-exec');
    expect((await docker.docker(['logs', name])).stdout).toContain('started');
    ok(await docker.docker(['pause', name]), 'pause');
    ok(await docker.docker(['unpause', name]), 'unpause');
    ok(await docker.docker(['stop', '-t', '2', name]), 'stop');
    ok(await docker.docker(['rm', name]), 'rm');
  });

  both("update with docker's zero-filled resources changes only what was asked", async (r, tag) => {
    const name = unique(tag);
    ok(await d(r, ['run', '-d', '--name', name, '--network', 'none', '--memory', '64m', IMAGE, 'sleep', '600']), 'run -d');
    ok(await docker.docker(['update', '--cpus', '0.5', '--pids-limit', '50', name]), 'update');
    const o = ok(await docker.docker(['exec', name, 'sh', '-c', 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us']), 'exec');
    expect(o.stdout.trim().split('\n')).toEqual(['50', '67108864', '50000']);
    ok(await docker.docker(['rm', '-f', name]), 'rm -f');
  });

  both('stop escalates to SIGKILL; an OOM kill is reported as such', async (r, tag) => {
    const name = unique(tag);
    ok(await d(r, ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sh', '-c', 'trap "" TERM; while :; do sleep 1; done']), 'run -d');
    ok(await docker.docker(['stop', '-t', '1', name]), 'stop');
    expect((await docker.docker(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim()).toBe('137');
    ok(await docker.docker(['rm', name]), 'rm');
    const oom = unique(tag);
    const o = await d(r, ['run', '--name', oom, '--network', 'none', '--memory', '16m', '--memory-swap', '16m', IMAGE, 'sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived']);
    expect(o.code, o.stdout + o.stderr).toBe(137);
    expect((await docker.docker(['inspect', '--format', '{{.State.OOMKilled}}', oom])).stdout.trim()).toBe('true');
    ok(await docker.docker(['rm', oom]), 'rm');
  });
  it("tdrun audit of docker's own config and of its running container: the default's known gaps, no way out, no drift", async () => {
    const name = unique('audit');
    ok(await d('tdrun', ['run', '-d', '--name', name, '--network', 'none', IMAGE, 'sleep', '600']), 'run -d');
    const id = (await docker.docker(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
    // dockerd 20.10 keeps its runtimes' state here whatever the runtime is called (engine-calls.md)
    const root = join(docker.dir, 'exec', 'runtime-runc', 'moby');
    const bundle = JSON.parse((await tdrun(['--root', root, 'state', id])).stdout).bundle;
    for (const target of [['-b', bundle], [id]]) {
      const r = await tdrun(['--root', root, 'audit', '--format', 'json', ...target]);
      expectReviewerFindings(r, target[0] === '-b' ? 'bundle' : 'live');
    }
    ok(await docker.docker(['rm', '-f', name]), 'rm -f');
  });
});
