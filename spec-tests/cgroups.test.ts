// linux.resources on this v1 hybrid host (v1 controllers, hugetlb on the cgroup2 mount), read
// back from the cgroup files and, where it shows, from inside; update's runc flags; events; ps
// with ps(1) options. The same resources on a pure v2 kernel: cgroup-v2-guest.test.ts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContainer, startSleeper } from './lib/containers.ts';
import { cgroupMounts, v1Mount } from './lib/host.ts';
import { Runtime, skipReason, tdrunBin, waitFor } from './lib/runtime.ts';
import type { Config } from './lib/bundle.ts';

const why = skipReason();
const rt = new Runtime('cgroups');
afterAll(() => rt.cleanup());

const MiB = 1024 * 1024;
const unified = cgroupMounts().find((m) => m.mountpoint.endsWith('/unified'))?.mountpoint;
const unifiedControllers = unified ? readFileSync(`${unified}/cgroup.controllers`, 'utf8').split(/\s+/).filter(Boolean) : [];
const hugetlbOnUnified = unifiedControllers.includes('hugetlb') && existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB');
/** A real block device for the throttles ("major:minor"). */
const blockDevice = readdirSync('/sys/block').filter((d) => !d.startsWith('loop') && !d.startsWith('zram')).map((d) => readFileSync(`/sys/block/${d}/dev`, 'utf8').trim())[0];

/** The container's cgroup file in the hierarchy of `controller` ("unified" for the cgroup2 one). */
function cgroupFile(pid: number, controller: string, file: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  const line = controller === 'unified' ? lines.find((l) => l.startsWith('0::')) : lines.find((l) => l.split(':')[1].split(',').includes(controller));
  const mount = controller === 'unified' ? unified : v1Mount(controller);
  return join(mount!, line!.split(':')[2], file);
}
const readCg = (pid: number, controller: string, file: string) => readFileSync(cgroupFile(pid, controller, file), 'utf8').trim();

const withResources = (resources: Record<string, unknown>) => (c: Config) => {
  c.linux.resources = { ...c.linux.resources, ...resources };
};

describe.skipIf(!!why || !v1Mount('memory'))('linux.resources on cgroup v1 (hybrid host), read back from the cgroup files', () => {
  it('config-linux.md#memory, #cpu, #pids, #block-io, #huge-page-limits, #unified: each setting lands in its file', async () => {
    const resources: Record<string, unknown> = {
      memory: { limit: 64 * MiB, reservation: 32 * MiB, swap: 128 * MiB, swappiness: 20, disableOOMKiller: false, useHierarchy: true, checkBeforeUpdate: true },
      cpu: { shares: 512, quota: 20000, period: 100000, burst: 1000, idle: 0, realtimePeriod: 1000000, realtimeRuntime: 10000, cpus: '0', mems: '0' },
      pids: { limit: 20 },
    };
    if (blockDevice) {
      const [major, minor] = blockDevice.split(':').map(Number);
      resources.blockIO = { throttleReadBpsDevice: [{ major, minor, rate: MiB }], throttleWriteIOPSDevice: [{ major, minor, rate: 100 }] };
    }
    // hugetlb lives on the cgroup2 mount here: the structured field and a raw unified key both go there
    if (hugetlbOnUnified) {
      resources.hugepageLimits = [{ pageSize: '2MB', limit: 4 * MiB }];
      resources.unified = { 'hugetlb.1GB.max': '0' };
    }
    const b = await startSleeper(rt, withResources(resources));
    const pid = (await rt.state(b.id)).pid;
    expect({
      limit: readCg(pid, 'memory', 'memory.limit_in_bytes'),
      reservation: readCg(pid, 'memory', 'memory.soft_limit_in_bytes'),
      swap: readCg(pid, 'memory', 'memory.memsw.limit_in_bytes'),
      swappiness: readCg(pid, 'memory', 'memory.swappiness'),
      oomKillDisable: readCg(pid, 'memory', 'memory.oom_control').split('\n')[0],
      useHierarchy: readCg(pid, 'memory', 'memory.use_hierarchy'),
      shares: readCg(pid, 'cpu', 'cpu.shares'),
      quota: readCg(pid, 'cpu', 'cpu.cfs_quota_us'),
      period: readCg(pid, 'cpu', 'cpu.cfs_period_us'),
      burst: readCg(pid, 'cpu', 'cpu.cfs_burst_us'),
      idle: readCg(pid, 'cpu', 'cpu.idle'),
      rtPeriod: readCg(pid, 'cpu', 'cpu.rt_period_us'),
      rtRuntime: readCg(pid, 'cpu', 'cpu.rt_runtime_us'),
      cpus: readCg(pid, 'cpuset', 'cpuset.cpus'),
      mems: readCg(pid, 'cpuset', 'cpuset.mems'),
      pids: readCg(pid, 'pids', 'pids.max'),
    }).toEqual({
      limit: String(64 * MiB), reservation: String(32 * MiB), swap: String(128 * MiB), swappiness: '20', oomKillDisable: 'oom_kill_disable 0',
      useHierarchy: '1', shares: '512', quota: '20000', period: '100000', burst: '1000', idle: '0', rtPeriod: '1000000', rtRuntime: '10000',
      cpus: '0', mems: '0', pids: '20',
    });
    if (blockDevice) {
      expect(readCg(pid, 'blkio', 'blkio.throttle.read_bps_device')).toBe(`${blockDevice} ${MiB}`);
      expect(readCg(pid, 'blkio', 'blkio.throttle.write_iops_device')).toBe(`${blockDevice} 100`);
    }
    if (hugetlbOnUnified) {
      expect(readCg(pid, 'unified', 'hugetlb.2MB.max')).toBe(String(4 * MiB));
      expect(readCg(pid, 'unified', 'hugetlb.2MB.rsvd.max')).toBe(String(4 * MiB));
      expect(readCg(pid, 'unified', 'hugetlb.1GB.max')).toBe('0');
    }
    await rt.ok(['delete', '-f', b.id]);
  });

  it('config-linux.md#memory disableOOMKiller: true sets oom_kill_disable', async () => {
    const b = await startSleeper(rt, withResources({ memory: { limit: 64 * MiB, disableOOMKiller: true } }));
    expect(readCg((await rt.state(b.id)).pid, 'memory', 'memory.oom_control')).toMatch(/^oom_kill_disable 1$/m);
    await rt.ok(['delete', '-f', b.id]);
  });

  it('config-linux.md#pids: a fork beyond pids.max fails inside the container', async () => {
    // eight background sleeps from a shell in a cgroup of 4: the shell and 3 sleeps fit, and
    // busybox's shell gives up at the first fork the kernel refuses
    const script = 'for i in 1 2 3 4 5 6 7 8; do sleep 60 & done; sleep 60';
    const b = await createContainer(rt, ['/bin/sh', '-c', script], withResources({ pids: { limit: 4 } }));
    const events = cgroupFile((await rt.state(b.id)).pid, 'pids', 'pids.events');
    const refusedForks = () => Number(readFileSync(events, 'utf8').match(/^max (\d+)$/m)![1]);
    expect(refusedForks()).toBe(0);
    await rt.ok(['start', b.id]);
    await waitFor(() => refusedForks() > 0, 10000);
    // pids.events counts the forks the kernel refused because of pids.max
    expect(refusedForks()).toBeGreaterThan(0);
    expect(Number(readFileSync(events.replace(/pids.events$/, 'pids.current'), 'utf8'))).toBeLessThanOrEqual(4);
    await rt.ok(['delete', '-f', b.id]);
  });

  it('settings this host cannot apply are refused with the JSON pointer and the reason, leaving no cgroup behind', async () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ network: { classID: 1 } }, /\/linux\/resources\/network\/classID: this host has no net_cls cgroup hierarchy mounted/],
      [{ network: { priorities: [{ name: 'eth0', priority: 1 }] } }, /\/linux\/resources\/network\/priorities: this host has no net_prio/],
      [{ rdma: { mlx5_0: { hcaHandles: 1 } } }, /\/linux\/resources\/rdma: this host has no rdma cgroup controller/],
      [{ unified: { 'memory.high': '1000000' } }, /\/linux\/resources\/unified\/memory.high: on this hybrid host the cgroup2 mount only holds the controllers/],
      [{ blockIO: { weight: 300 } }, /\/linux\/resources\/blockIO\/weight: this kernel has no blkio.weight or blkio.bfq.weight/],
      // the kernel's own refusal: the file and the value, and for memory the usage
      [{ memory: { useHierarchy: false } }, /\/linux\/resources\/memory\/useHierarchy: write "0" to \S+\/memory.use_hierarchy: invalid argument/],
    ];
    for (const [resources, message] of refusals) {
      const id = rt.id('refused');
      const { makeBundle } = await import('./lib/bundle.ts');
      const b = makeBundle(rt, id, (c) => {
        c.process.args = ['/probe', 'sleep', '600'];
        withResources(resources)(c);
      });
      const r = await rt.run(['create', '-b', b.dir, id]);
      expect(r.code, JSON.stringify(resources)).toBe(1);
      expect(r.stderr, JSON.stringify(resources)).toMatch(message);
      expect(r.stderr.trim().split('\n'), 'one line').toHaveLength(1);
      for (const m of cgroupMounts()) expect(readdirSync(m.mountpoint).filter((d) => d.includes(id)), m.mountpoint).toEqual([]);
    }
  });
});

describe.skipIf(!!why || !v1Mount('memory'))("update: runc's flags", () => {
  it('runc update flags change the files, the state keeps the new values, 0 means unchanged', async () => {
    const b = await startSleeper(rt, withResources({ memory: { limit: 32 * MiB, swap: 64 * MiB }, cpu: { shares: 256, quota: 10000, period: 100000 }, pids: { limit: 30 } }));
    const pid = (await rt.state(b.id)).pid;
    await rt.ok(['update', '--memory', '100m', '--memory-swap', '200M', '--memory-reservation', '50m', '--cpu-quota', '30000', '--cpu-period', '200000', '--cpu-share', '0', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--pids-limit', '25', b.id]);
    expect({
      limit: readCg(pid, 'memory', 'memory.limit_in_bytes'),
      swap: readCg(pid, 'memory', 'memory.memsw.limit_in_bytes'),
      reservation: readCg(pid, 'memory', 'memory.soft_limit_in_bytes'),
      quota: readCg(pid, 'cpu', 'cpu.cfs_quota_us'),
      period: readCg(pid, 'cpu', 'cpu.cfs_period_us'),
      shares: readCg(pid, 'cpu', 'cpu.shares'),
      cpus: readCg(pid, 'cpuset', 'cpuset.cpus'),
      pids: readCg(pid, 'pids', 'pids.max'),
    }).toEqual({ limit: String(100 * MiB), swap: String(200 * MiB), reservation: String(50 * MiB), quota: '30000', period: '200000', shares: '256', cpus: '0', pids: '25' });
    const stored = JSON.parse(readFileSync(join(rt.root, b.id, 'state.json'), 'utf8')).resources;
    expect(stored).toMatchObject({ memory: { limit: 100 * MiB, swap: 200 * MiB, reservation: 50 * MiB }, cpu: { shares: 256, quota: 30000, period: 200000, cpus: '0', mems: '0' }, pids: { limit: 25 } });
    // unlimited
    await rt.ok(['update', '--pids-limit', '-1', '--memory-swap', '-1', b.id]);
    expect(readCg(pid, 'pids', 'pids.max')).toBe('max');
    await rt.ok(['delete', '-f', b.id]);
  });

  it.skipIf(!hugetlbOnUnified)('update -r: hugepageLimits on the cgroup2 mount of this hybrid host; the state keeps the other page sizes', async () => {
    const b = await startSleeper(rt, withResources({ hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }, { pageSize: '1GB', limit: 0 }] }));
    const pid = (await rt.state(b.id)).pid;
    await rt.ok(['update', '-r', '-', b.id], { input: JSON.stringify({ hugepageLimits: [{ pageSize: '2MB', limit: 8 * MiB }] }) });
    expect([readCg(pid, 'unified', 'hugetlb.2MB.max'), readCg(pid, 'unified', 'hugetlb.1GB.max')]).toEqual([String(8 * MiB), '0']);
    const stored = JSON.parse(readFileSync(join(rt.root, b.id, 'state.json'), 'utf8')).resources;
    expect(stored.hugepageLimits).toEqual([{ pageSize: '1GB', limit: 0 }, { pageSize: '2MB', limit: 8 * MiB }]);
    await rt.ok(['delete', '-f', b.id]);
  });

  it('flags are all or nothing, checked like create, and never mixed with --resources', async () => {
    const b = await startSleeper(rt, withResources({ memory: { limit: 32 * MiB }, pids: { limit: 30 } }));
    const pid = (await rt.state(b.id)).pid;
    const failed = await rt.run(['update', '--memory', '100m', '--pids-limit', '9', '--cpuset-cpus', '64', b.id]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`^tdrun: update ${b.id}: .*cpuset\\.cpus.*\\n$`));
    expect([readCg(pid, 'memory', 'memory.limit_in_bytes'), readCg(pid, 'pids', 'pids.max')]).toEqual([String(32 * MiB), '30']);
    const badSize = await rt.run(['update', '--memory', '12q', b.id]);
    expect(badSize.stderr).toBe(`tdrun: update ${b.id}: --memory "12q": not a size (a number of bytes with an optional unit k, m, g, t or p; -1 is unlimited)\n`);
    const mixed = await rt.run(['update', '-r', '-', '--pids-limit', '3', b.id], { input: '{}' });
    expect(mixed.stderr).toMatch(/--resources and --pids-limit: give the new values one way/);
    // below what the container uses: the kernel's refusal, with the file, the value and the usage
    const tooSmall = await rt.run(['update', '--memory', '4096', b.id]);
    expect(tooSmall.stderr).toMatch(
      new RegExp(`^tdrun: update ${b.id}: /linux/resources/memory/limit: write "4096" to \\S+/memory.limit_in_bytes: device or resource busy \\(current usage \\d+ bytes in memory.usage_in_bytes\\)\\n$`),
    );
    const nothing = await rt.run(['update', b.id]);
    expect(nothing.stderr).toMatch(/nothing to update/);
    expect(readCg(pid, 'pids', 'pids.max')).toBe('30');
    await rt.ok(['delete', '-f', b.id]);
  });
});

describe.skipIf(!!why || !v1Mount('memory'))("events (runc's JSON; v1: OOM through an eventfd on memory.oom_control)", () => {
  it('events --stats: one stats object whose numbers are the cgroup files\'', async () => {
    const resources: Record<string, unknown> = { memory: { limit: 48 * MiB }, pids: { limit: 40 }, cpu: { cpus: '0' } };
    if (hugetlbOnUnified) resources.hugepageLimits = [{ pageSize: '2MB', limit: 2 * MiB }];
    const b = await startSleeper(rt, withResources(resources));
    const pid = (await rt.state(b.id)).pid;
    const usageBefore = BigInt(readCg(pid, 'cpuacct', 'cpuacct.usage'));
    const r = await rt.ok(['events', '--stats', b.id]);
    const usageAfter = BigInt(readCg(pid, 'cpuacct', 'cpuacct.usage'));
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]);
    expect(event).toMatchObject({ type: 'stats', id: b.id });
    const d = event.data;
    expect(Object.keys(d)).toEqual(['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    expect(d.memory.usage.limit).toBe(48 * MiB);
    // exact: 2^63-4096 does not survive a double, the text must carry it
    expect(lines[0]).toContain(`"swap":{"limit":${readCg(pid, 'memory', 'memory.memsw.limit_in_bytes')}`);
    expect(d.memory.raw.total_rss).toBe(Number(readCg(pid, 'memory', 'memory.stat').match(/^total_rss (\d+)$/m)![1]));
    expect(d.pids).toEqual({ current: Number(readCg(pid, 'pids', 'pids.current')), limit: 40 });
    expect(d.cpuset.cpus).toEqual([0]);
    const total = BigInt(lines[0].match(/"total":(\d+)/)![1]);
    expect(total >= usageBefore && total <= usageAfter, `${usageBefore} <= ${total} <= ${usageAfter}`).toBe(true);
    if (hugetlbOnUnified) expect(d.hugetlb['2MB']).toEqual({ failcnt: Number(readCg(pid, 'unified', 'hugetlb.2MB.events').match(/max (\d+)/)![1]) });
    await rt.ok(['delete', '-f', b.id]);
    const gone = await rt.run(['events', '--stats', b.id]);
    expect(gone.stderr).toBe(`tdrun: events ${b.id}: container does not exist\n`);
  });

  it('events reports an OOM kill ({"type":"oom"}) and ends when the container stops', async () => {
    const b = await startSleeper(rt, withResources({ memory: { limit: 16 * MiB, swap: 16 * MiB } }));
    const events = spawn(tdrunBin, ['--root', rt.root, '--debug', 'events', '--interval', '1h', b.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    events.stdout.on('data', (chunk) => (out += chunk));
    events.stderr.on('data', (chunk) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => events.once('exit', resolve));
    try {
      // --debug says when the OOM notification is registered
      expect(await waitFor(() => err.includes('OOM notification registered'), 15000), err).toBe(true);
      // a 64 MiB buffer filled from /dev/zero in a 16 MiB cgroup without swap room
      const hog = await rt.run(['exec', b.id, '/bin/dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
      expect(hog.code, 'the OOM killer ends dd').toBe(137);
      expect(readCg((await rt.state(b.id)).pid, 'memory', 'memory.oom_control')).toMatch(/^oom_kill [1-9]/m);
      await waitFor(() => out.includes('"type":"oom"'), 5000);
      // one event per OOM the kernel notifies (v1: each eventfd signal); nothing else in an hour's interval
      expect(new Set(out.trim().split('\n'))).toEqual(new Set([`{"type":"oom","id":"${b.id}"}`]));
      await rt.ok(['kill', b.id, 'KILL']);
      expect(await exited).toBe(0);
    } finally {
      events.kill('SIGKILL');
    }
    await rt.ok(['delete', '-f', b.id]);
  });
});

describe.skipIf(!!why)('ps with ps(1) options', () => {
  it("ps ID -o pid,comm: ps(1)'s header and only the container's processes; json stays host pids", async () => {
    const b = await startSleeper(rt);
    const init = (await rt.state(b.id)).pid;
    await rt.ok(['exec', '--detach', b.id, '/probe', 'sleep', '300']);
    const pids = JSON.parse((await rt.ok(['ps', '--format', 'json', b.id])).stdout) as number[];
    expect(pids).toHaveLength(2);
    expect(pids).toContain(init);
    const table = (await rt.ok(['ps', b.id, '-o', 'pid,comm'])).stdout.trim().split('\n');
    expect(table[0].trim().split(/\s+/)).toEqual(['PID', 'COMMAND']);
    expect(table.slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).sort()).toEqual([...pids].sort());
    expect(table.slice(1).every((l) => l.trim().endsWith('probe'))).toBe(true);
    // runc's default: ps -ef
    expect((await rt.ok(['ps', b.id])).stdout.split('\n')[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect((await rt.run(['ps', b.id, '-o', 'comm'])).stderr).toMatch(/its output has no PID column/);
    expect((await rt.run(['ps', '-f', 'json', b.id, '-o', 'pid'])).stderr).toMatch(/ps options -o pid: only go with --format table/);
    await rt.ok(['delete', '-f', b.id]);
  });
});
