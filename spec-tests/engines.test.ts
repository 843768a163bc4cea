// tdrun behind real engines (shared/engine-calls.md): podman, containerd (ctr and the runc v2 shim
// with BinaryName; its CRI plugin driven over gRPC as kubelet drives it, Kubernetes' path) and
// dockerd, each on private roots (spec-tests/lib/engines.ts, the CRI client in spec-tests/lib/cri.ts),
// with the engines' default security settings. Every scenario runs with runc first in the same
// run: when runc fails it too, the environment is at fault, and the test says so.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerConfig, CriClient, type LinuxContainerResources, type PodSandboxConfig } from './lib/cri.ts';
import { Containerd, ContainerdCri, Docker, enginesDir, ensureEngines, IMAGE, Podman, RootlessPodman, runtimeCommand, runtimePath, SANDBOX_ENTRYPOINT, SANDBOX_IMAGE, tdrun, type Outcome, type RuntimeName } from './lib/engines.ts';
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

/** Fills a string past any small memory limit. It waits first: the runc v2 shim starts watching a
 *  cgroup v1 container for OOM events only after the start call returns, and an OOM kill before
 *  that is reported as a plain SIGKILL by runc and tdrun alike. */
const MEMORY_HOG = 'sleep 2; x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived';

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
  beforeAll(async () => {
    await podman.setup();
    await podman.importImage(SANDBOX_IMAGE, [SANDBOX_ENTRYPOINT]);
  }, 600_000);
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

  both("a pod: its containers join the infra container's network, ipc and uts namespaces by path; loopback works between them", async (r, tag) => {
    const pod = unique(tag);
    ok(await p(r, ['pod', 'create', '--name', pod, '--network', 'none', '--infra-image', SANDBOX_IMAGE]), 'pod create');
    try {
      ok(await p(r, ['run', '-d', '--pod', pod, IMAGE, 'sh', '-c', 'nc -l -p 7070 -e echo pong; sleep 600']), 'run -d in the pod');
      const o = await waitFor(async () => {
        const got = await p(r, ['run', '--rm', '--pod', pod, IMAGE, 'sh', '-c', 'echo ping | nc 127.0.0.1 7070; hostname; readlink /proc/self/ns/ipc']);
        return got.stdout.includes('pong') ? got : null;
      }, 10_000, 200);
      expect(o?.stdout).toContain('pong');
      const infra = (await p(r, ['pod', 'inspect', '--format', '{{.InfraContainerID}}', pod])).stdout.trim();
      const inInfra = ok(await p(r, ['exec', infra, 'sh', '-c', 'hostname; readlink /proc/self/ns/ipc']), 'exec in the infra container');
      expect(o?.stdout.split('\n').slice(1).join('\n'), "uts and ipc are the infra container's").toBe(inInfra.stdout);
    } finally {
      ok(await p(r, ['pod', 'rm', '-f', '-t', '0', pod]), 'pod rm -f');
    }
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
  // the shim's --root for the runtime is `<runc-root>/<namespace>`: one of this run's own per runtime
  const runtimeRoot = (r: RuntimeName) => join(containerd.dir, `runtime-${r}`);
  const runArgs = (r: RuntimeName) => ['--runc-binary', runtimePath(r), '--runc-root', runtimeRoot(r)];

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
    const state = JSON.parse(ok(await runtimeCommand(r, ['--root', join(runtimeRoot(r), 'tdrun-test'), 'state', id]), 'state').stdout);
    expect(state.status, `run by ${r}`).toBe('running');
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
    const o = await d(r, ['run', '--name', oom, '--network', 'none', '--memory', '16m', '--memory-swap', '16m', IMAGE, 'sh', '-c', MEMORY_HOG]);
    expect(o.code, o.stdout + o.stderr).toBe(137);
    expect((await docker.docker(['inspect', '--format', '{{.State.OOMKilled}}', oom])).stdout.trim()).toBe('true');
    ok(await docker.docker(['rm', oom]), 'rm');
  });
  both("--init: docker-init (tini) is the container's first process, forwards the stop signal and passes the exit status through", async (r, tag) => {
    const o = await d(r, ['run', '--rm', '--init', '--network', 'none', IMAGE, 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline; echo; echo $$; exit 5']);
    const [init, shellPid] = o.stdout.trim().split('\n');
    expect(init, o.stderr).toMatch(/^\/sbin\/docker-init -- sh -c /);
    expect(shellPid).not.toBe('1');
    expect(o.code).toBe(5);
    // sleep as a container's first process would ignore SIGTERM (the kernel drops signals a pid 1
    // has no handler for) and be killed after the grace period: tini hands the SIGTERM on instead
    const name = unique(tag);
    ok(await d(r, ['run', '-d', '--init', '--name', name, '--network', 'none', IMAGE, 'sleep', '600']), 'run -d --init');
    ok(await docker.docker(['stop', '-t', '30', name]), 'stop');
    expect((await docker.docker(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim(), 'killed by the forwarded SIGTERM').toBe('143');
    ok(await docker.docker(['rm', name]), 'rm');
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

describe.skipIf(!!why)("containerd's CRI plugin, driven as kubelet drives it, with a tdrun runtime handler", () => {
  const podman = new Podman('pk');
  const cri = new ContainerdCri('k');
  let client: CriClient;
  beforeAll(async () => {
    await podman.setup();
    await podman.importImage(SANDBOX_IMAGE, [SANDBOX_ENTRYPOINT]);
    await cri.setup([await podman.save('oci-archive'), await podman.save('oci-archive', SANDBOX_IMAGE)]);
    client = new CriClient(cri.socket);
  }, 600_000);
  afterAll(async () => {
    client?.close();
    await cri.cleanup();
    await podman.cleanup();
  }, 120_000);

  it('Version: containerd answers on the CRI v1 API', async () => {
    const v = await client.version();
    expect(v.runtimeName).toBe('containerd');
    expect(v.runtimeApiVersion).toBe('v1');
  });

  both('a pod of two containers on the runtime handler: shared namespaces, exec, stats, update, stop with SIGKILL, OOM kill, removal', async (r, tag) => {
    const podNamespaces = { network: 'NODE', pid: 'POD', ipc: 'POD' } as const;
    const seccomp = { profileType: 'RuntimeDefault' } as const;
    const logDirectory = join(cri.dir, 'logs', tag);
    mkdirSync(logDirectory, { recursive: true });
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: `pod-${tag}`, uid: unique(tag), namespace: 'tdrun-test' },
      logDirectory,
      linux: { cgroupParent: cri.cgroupParent, securityContext: { namespaceOptions: podNamespaces, seccomp } },
    };
    const container = (name: string, command: string[], resources: LinuxContainerResources = {}): ContainerConfig => ({
      metadata: { name },
      image: { image: IMAGE },
      command,
      logPath: `${name}.log`,
      linux: { resources, securityContext: { namespaceOptions: podNamespaces, seccomp } },
    });
    // a mark of this run's own (told apart from any other sleep on the host) the writer leaves
    // running in the pod's pid namespace: stopping the writer must end it too (kill --all)
    const mark = tag === 'td' ? '611' : '612';

    const pod = await client.runPodSandbox(sandboxConfig, r);
    const status = await client.podSandboxStatus(pod);
    expect([status.state, status.runtimeHandler]).toEqual(['SANDBOX_READY', r]);
    const writer = await client.createContainer(pod, container('writer', ['sh', '-c',
      `trap "" TERM; echo started; echo shared > /dev/shm/mark; sleep ${mark} & while :; do wait; done`]), sandboxConfig);
    const reader = await client.createContainer(pod, container('reader', ['sleep', '600'],
      { memoryLimitInBytes: 64 * 1024 * 1024, cpuPeriod: 100_000, cpuQuota: 50_000 }), sandboxConfig);
    await client.startContainer(writer);
    await client.startContainer(reader);

    // the runtime behind the handler holds the sandbox and both containers, and runs them
    const listed = JSON.parse((await runtimeCommand(r, ['--root', cri.runtimeRoot(r), 'list', '--format', 'json'])).stdout) as { id: string; status: string }[];
    for (const id of [pod, writer, reader]) expect(listed.find((c) => c.id === id)?.status, `${id} in ${r}'s state`).toBe('running');

    const exec = (id: string, script: string) => client.execSync(id, ['sh', '-c', script]);
    expect(await waitFor(async () => (await exec(reader, 'cat /dev/shm/mark')).stdout === 'shared\n', 10_000, 200), 'IPC (/dev/shm) shared with the writer').toBe(true);
    const namespaces = 'for ns in self/ns/pid self/ns/ipc self/ns/net 1/ns/pid 1/ns/ipc; do readlink /proc/$ns; done';
    const inWriter = (await exec(writer, namespaces)).stdout.trim().split('\n');
    const inReader = (await exec(reader, namespaces)).stdout.trim().split('\n');
    expect(inReader, 'both containers in the same pid and ipc namespaces').toEqual(inWriter);
    expect(inReader.slice(0, 2), "which are the sandbox's (pid 1 of the pod)").toEqual(inReader.slice(3, 5));
    expect(inReader[2], "the node's network namespace").toBe(readlinkSync('/proc/self/ns/net'));
    expect((await exec(reader, 'ps -o args')).stdout, "the writer's processes, seen from the reader").toContain(`sleep ${mark}`);
    const limits = await exec(reader, 'grep Seccomp: /proc/self/status; cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us');
    expect(limits.stdout, limits.stderr).toMatch(/^Seccomp:\s+2\n67108864\n50000\n$/);
    expect((await exec(reader, 'exit 3')).exitCode, 'exit code of an exec').toBe(3);

    const stats = await client.containerStats(writer);
    expect(stats.attributes.id).toBe(writer);
    expect(stats.memory.usageBytes?.value).toBeGreaterThan(0);
    expect(stats.cpu.usageCoreNanoSeconds?.value).toBeGreaterThan(0);

    await client.updateContainerResources(reader, { memoryLimitInBytes: 128 * 1024 * 1024, cpuPeriod: 100_000, cpuQuota: 25_000 });
    expect((await exec(reader, 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us')).stdout).toBe('134217728\n25000\n');

    expect((await client.containerStatus(writer)).state).toBe('CONTAINER_RUNNING');
    await client.stopContainer(writer, 1);
    const stopped = await client.containerStatus(writer);
    expect([stopped.state, stopped.exitCode], 'SIGTERM ignored, so SIGKILL').toEqual(['CONTAINER_EXITED', 137]);
    expect(await waitFor(() => !pgrepSleep(mark), 5000), 'what the writer left in the pod is gone with it').toBe(true);
    expect(readFileSync(join(logDirectory, 'writer.log'), 'utf8')).toMatch(/ stdout F started\n/);

    const hog = await client.createContainer(pod, container('hog', ['sh', '-c', MEMORY_HOG],
      { memoryLimitInBytes: 16 * 1024 * 1024, memorySwapLimitInBytes: 16 * 1024 * 1024 }), sandboxConfig);
    await client.startContainer(hog);
    const oom = await waitFor(async () => {
      const s = await client.containerStatus(hog);
      return s.state === 'CONTAINER_EXITED' ? s : null;
    }, 30_000, 200);
    expect([oom?.exitCode, oom?.reason], 'the OOM kill, as kubelet reads it').toEqual([137, 'OOMKilled']);

    await client.stopContainer(reader, 0);
    for (const id of [writer, reader, hog]) await client.removeContainer(id);
    await client.stopPodSandbox(pod);
    await client.removePodSandbox(pod);
    const left = (await runtimeCommand(r, ['--root', cri.runtimeRoot(r), 'list', '--quiet'])).stdout.split('\n');
    expect(left.filter((id) => [pod, writer, reader, hog].includes(id)), `left in ${r}'s state`).toEqual([]);
  }, 240_000);
});
