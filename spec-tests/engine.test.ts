// The calls engines make beyond the runtime-spec lifecycle (shared/engine-calls.md): exec in its
// podman and containerd-shim shapes, pause/resume, update --resources (file and stdin), ps.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSleeper, waitStatus } from './lib/containers.ts';
import { nsOf, v1Mount } from './lib/host.ts';
import { Runtime, skipReason, waitFor } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('engine');
afterAll(() => rt.cleanup());

function cgroupOf(pid: number, controller: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1].split(',').includes(controller));
  return line!.split(':')[2];
}

describe.skipIf(!!why)('engine calls', () => {
  it('exec runs a process in the container\'s namespaces and cgroup and exits with its status', async () => {
    const b = await startSleeper(rt, (c) => (c.hostname = 'exec-host'));
    const init = (await rt.state(b.id)).pid;
    const r = await rt.run(['exec', b.id, '/probe']);
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout);
    expect(seen.hostname).toBe('exec-host');
    for (const ns of ['pid', 'mnt', 'uts', 'ipc', 'net']) expect(seen.namespaces[ns], ns).toBe(nsOf(init, ns));
    // PID 1 is the container's init, so the exec'd process is inside its pid namespace
    expect(seen.pid).toBeGreaterThan(1);
    // the init's cgroups in every hierarchy, the cgroup2 one included, as both see them from
    // inside (with a cgroup namespace, as tdrun spec gives on a cgroup v2 host, the host's view
    // of the same cgroup differs)
    const initView = await rt.ok(['exec', b.id, '/bin/cat', '/proc/1/cgroup']);
    expect(seen.cgroup).toEqual(initView.stdout.split('\n').filter(Boolean));
    expect(seen.cgroup).toHaveLength(readFileSync(`/proc/${init}/cgroup`, 'utf8').split('\n').filter(Boolean).length);
    expect((await rt.run(['exec', b.id, '/probe', 'exit', '7'])).code).toBe(7);
  });

  it('exec --process (containerd shim shape) applies args, env, cwd and user from process.json', async () => {
    const b = await startSleeper(rt);
    const processJson = join(b.dir, 'process.json');
    writeFileSync(
      processJson,
      JSON.stringify({ args: ['/probe'], env: ['PATH=/bin', 'FROM_PROCESS=1'], cwd: '/tmp', user: { uid: 1234, gid: 5678 }, terminal: false }),
    );
    const r = await rt.run(['exec', '--process', processJson, b.id]);
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout);
    // HOME from the container's /etc/passwd, which has no uid 1234: "/" (runc's default)
    expect(seen.env).toEqual(['PATH=/bin', 'FROM_PROCESS=1', 'HOME=/']);
    expect(seen.cwd).toBe('/tmp');
    expect([seen.uid, seen.gid]).toEqual([1234, 5678]);
  });

  it('exec --detach --pid-file (podman shape) returns while the process runs and writes its host pid', async () => {
    const b = await startSleeper(rt);
    const pidFile = join(b.dir, 'exec.pid');
    const processJson = join(b.dir, 'process.json');
    writeFileSync(processJson, JSON.stringify({ args: ['/probe', 'sleep', '600'], cwd: '/', env: ['PATH=/bin'] }));
    await rt.ok(['exec', '--pid-file', pidFile, '--process', processJson, '--detach', b.id]);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(['/probe', 'sleep', '600', '']);
    const ps = JSON.parse((await rt.ok(['ps', '--format', 'json', b.id])).stdout);
    expect(ps).toContain(pid);
    expect(ps).toContain((await rt.state(b.id)).pid);
  });

  it('exec of a missing program fails with the reason and starts nothing', async () => {
    const b = await startSleeper(rt);
    const r = await rt.run(['exec', b.id, 'no-such-program']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`tdrun: exec ${b.id}: exec: "no-such-program": executable file not found in $PATH`);
    expect(JSON.parse((await rt.ok(['ps', '--format', 'json', b.id])).stdout)).toHaveLength(1);
  });

  it('exec into a stopped container is refused', async () => {
    const b = await startSleeper(rt);
    await rt.ok(['kill', b.id, 'KILL']);
    await waitStatus(rt, b.id, 'stopped');
    const r = await rt.run(['exec', b.id, '/probe']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`tdrun: exec ${b.id}: cannot exec in a stopped container`);
  });

  it('pause freezes every process (state "paused"), resume thaws them; pause of a paused one is refused', async () => {
    const b = await startSleeper(rt);
    const pid = (await rt.state(b.id)).pid;
    await rt.ok(['pause', b.id]);
    expect((await rt.state(b.id)).status).toBe('paused');
    const freezer = v1Mount('freezer');
    if (freezer) expect(readFileSync(join(freezer, cgroupOf(pid, 'freezer'), 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    await waitFor(() => /^State:\s+[DS]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')));
    expect((await rt.run(['pause', b.id])).code).not.toBe(0);
    await rt.ok(['resume', b.id]);
    expect((await rt.state(b.id)).status).toBe('running');
    expect((await rt.run(['resume', b.id])).code).not.toBe(0);
  });

  it('update --resources FILE and --resources - (stdin) change the memory and pids limits of a running container', async () => {
    const memory = v1Mount('memory');
    const pids = v1Mount('pids');
    const b = await startSleeper(rt);
    const pid = (await rt.state(b.id)).pid;
    const file = join(b.dir, 'resources.json');
    writeFileSync(file, JSON.stringify({ memory: { limit: 64 * 1024 * 1024 } }));
    await rt.ok(['update', `--resources=${file}`, b.id]);
    if (memory) expect(Number(readFileSync(join(memory, cgroupOf(pid, 'memory'), 'memory.limit_in_bytes'), 'utf8'))).toBe(64 * 1024 * 1024);
    await rt.ok(['update', '--resources', '-', b.id], { input: JSON.stringify({ pids: { limit: 42 } }) });
    if (pids) expect(readFileSync(join(pids, cgroupOf(pid, 'pids'), 'pids.max'), 'utf8').trim()).toBe('42');
    // the earlier memory limit stays: an update only touches what it names
    if (memory) expect(Number(readFileSync(join(memory, cgroupOf(pid, 'memory'), 'memory.limit_in_bytes'), 'utf8'))).toBe(64 * 1024 * 1024);
  });
});

describe.skipIf(!!why)('update as engines send it (runc\'s reading of LinuxResources)', () => {
  const MiB = 1024 * 1024;
  const memory = v1Mount('memory');
  const cpu = v1Mount('cpu');
  const pids = v1Mount('pids');

  /** A sleeper with limits of its own, and readers of its cgroup files. */
  async function limited() {
    const b = await startSleeper(rt, (c) => {
      c.linux.resources = {
        ...c.linux.resources,
        memory: { limit: 32 * MiB, reservation: 16 * MiB, swap: 64 * MiB },
        cpu: { shares: 512, quota: 20000, period: 100000 },
        pids: { limit: 100 },
      };
    });
    const pid = (await rt.state(b.id)).pid;
    const read = (mount: string | undefined, controller: string, file: string) =>
      readFileSync(join(mount!, cgroupOf(pid, controller), file), 'utf8').trim();
    const files = () => ({
      limit: read(memory, 'memory', 'memory.limit_in_bytes'),
      swap: read(memory, 'memory', 'memory.memsw.limit_in_bytes'),
      reservation: read(memory, 'memory', 'memory.soft_limit_in_bytes'),
      shares: read(cpu, 'cpu', 'cpu.shares'),
      quota: read(cpu, 'cpu', 'cpu.cfs_quota_us'),
      pids: read(pids, 'pids', 'pids.max'),
    });
    const stored = () => JSON.parse(readFileSync(join(rt.root, b.id, 'state.json'), 'utf8')).resources;
    return { b, files, stored };
  }

  it.skipIf(!memory || !cpu || !pids)('docker update -m: 0 means unchanged (reservation, cpu), kernel 0 is accepted; the state keeps the new values', async () => {
    const { b, files, stored } = await limited();
    const docker = { memory: { limit: 64 * MiB, reservation: 0, swap: 128 * MiB, kernel: 0 }, cpu: { shares: 0, quota: 0, period: 0 }, blockIO: { weight: 0 } };
    const r = await rt.ok(['update', '--resources', '-', b.id], { input: JSON.stringify(docker) });
    expect(r.stderr).toBe('');
    expect(files()).toEqual({ limit: String(64 * MiB), swap: String(128 * MiB), reservation: String(16 * MiB), shares: '512', quota: '20000', pids: '100' });
    // docker update --cpus 0.5 --pids-limit 50: memory.limit 0 leaves the memory limit alone
    const cpus = { memory: { limit: 0, reservation: 0, swap: 0, kernel: 0 }, cpu: { shares: 0, quota: 50000, period: 100000 }, blockIO: { weight: 0 }, pids: { limit: 50 } };
    await rt.ok(['update', '--resources', '-', b.id], { input: JSON.stringify(cpus) });
    expect(files()).toEqual({ limit: String(64 * MiB), swap: String(128 * MiB), reservation: String(16 * MiB), shares: '512', quota: '50000', pids: '50' });
    expect(stored()).toMatchObject({
      memory: { limit: 64 * MiB, reservation: 16 * MiB, swap: 128 * MiB },
      cpu: { shares: 512, quota: 50000, period: 100000 },
      pids: { limit: 50 },
    });
    expect(stored().memory.kernel, 'ignored fields are not stored').toBeUndefined();
  });

  it.skipIf(!memory)('a kernel memory limit in an update is ignored with a warning, as runc does, not refused', async () => {
    const { b, files } = await limited();
    const r = await rt.ok(['update', '--resources', '-', b.id], { input: JSON.stringify({ memory: { limit: 48 * MiB, kernel: 8 * MiB, kernelTCP: MiB } }) });
    expect(r.stderr).toMatch(/^tdrun: warning: --resources standard input \/memory\/kernel: ignored/m);
    expect(r.stderr).toMatch(/^tdrun: warning: --resources standard input \/memory\/kernelTCP: ignored/m);
    expect(files().limit).toBe(String(48 * MiB));
  });

  it('the update input goes through the config schema: a wrong type is refused with its JSON pointer', async () => {
    const { b, files, stored } = await limited();
    const before = { files: files(), stored: stored() };
    const r = await rt.run(['update', '--resources', '-', b.id], { input: JSON.stringify({ memory: { limit: '32M' } }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: update ${b.id}: --resources standard input /memory/limit: must be integer\\n$`));
    expect({ files: files(), stored: stored() }).toEqual(before);
  });

  it.skipIf(!memory || !cpu || !pids)('a failed update is all or nothing: what it wrote before the failing setting is put back', async () => {
    const { b, files, stored } = await limited();
    const before = { files: files(), stored: stored() };
    // memory, pids and cpu.shares are written before cpuset, which the kernel refuses (no cpu 64)
    const bad = { memory: { limit: 128 * MiB, swap: 256 * MiB, reservation: 8 * MiB }, pids: { limit: 7 }, cpu: { shares: 1024, quota: 30000, cpus: '64' } };
    const r = await rt.run(['update', '--resources', '-', b.id], { input: JSON.stringify(bad) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: update ${b.id}: .*cpuset\\.cpus.*\\n$`));
    expect({ files: files(), stored: stored() }).toEqual(before);
  });
});
