// Each controller's files on fixture directories in the v1 and the v2 formats: what a setting
// writes where, and how the stats are read. Plain files stand in for cgroupfs here (the
// spec-tests check the same on real kernels: spec-tests/cgroups.test.ts on this v1 hybrid host,
// spec-tests/cgroup-v2-guest.test.ts in a cgroup v2 guest).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMemoryV1, applyMemoryV2, memoryStatsV1, memoryStatsV2, oomKillsV2, watchOomV2 } from './memory.ts';
import { applyCpuV1, applyCpuV2, cpuStatsV1, cpuStatsV2, sharesToWeight } from './cpu.ts';
import { cpusetStats, parseCpuList } from './cpuset.ts';
import { applyPids, pidsStats } from './pids.ts';
import { applyBlkioV1, applyBlkioV2, blkioStatsV1, blkioWeightToIoWeight, parseIoStat } from './blkio.ts';
import { applyHugetlb, hugetlbStats } from './hugetlb.ts';
import { applyNetClassId, applyNetPriorities } from './network.ts';
import { applyRdma } from './rdma.ts';
import { applyUnified, unifiedKeyController } from './unified.ts';
import { eventJson, emptyStats } from './stats.ts';
import { controllersFor, layoutOf } from './cgroupfs.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tdrun-controller-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fixture cgroup directory: file name -> content. */
function fixture(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}
const read = (name: string) => readFileSync(join(dir, name), 'utf8');

describe('memory', () => {
  it('v1: limit, memory+swap (memsw first when growing), reservation, swappiness, OOM killer, hierarchy', () => {
    fixture({ 'memory.limit_in_bytes': '9223372036854771712\n', 'memory.usage_in_bytes': '4096\n' });
    applyMemoryV1(dir, { limit: 1 << 20, swap: 2 << 20, reservation: 1 << 19, swappiness: 10, disableOOMKiller: true, useHierarchy: true });
    expect(read('memory.limit_in_bytes')).toBe(String(1 << 20));
    expect(read('memory.memsw.limit_in_bytes')).toBe(String(2 << 20));
    expect(read('memory.soft_limit_in_bytes')).toBe(String(1 << 19));
    expect(read('memory.swappiness')).toBe('10');
    expect(read('memory.oom_control')).toBe('1');
    expect(read('memory.use_hierarchy')).toBe('1');
  });

  it('v1: a refused limit names the file, the value and the current usage', () => {
    fixture({ 'memory.usage_in_bytes': '123456\n' });
    // a directory cannot be opened for writing: the kernel's refusal, played by the filesystem
    mkdirSync(join(dir, 'memory.limit_in_bytes'));
    expect(() => applyMemoryV1(dir, { limit: 4096 })).toThrow(
      new RegExp(`^/linux/resources/memory/limit: write "4096" to ${dir}/memory.limit_in_bytes: .*\\(current usage 123456 bytes in memory.usage_in_bytes\\)$`),
    );
  });

  it('v1: checkBeforeUpdate refuses a limit below the usage before writing anything', () => {
    fixture({ 'memory.usage_in_bytes': '8192\n' });
    expect(() => applyMemoryV1(dir, { limit: 4096, checkBeforeUpdate: true })).toThrow('below the current usage 8192 (memory.usage_in_bytes)');
    expect(readdirSync(dir)).toEqual(['memory.usage_in_bytes']);
  });

  it('v2: memory.max, memory.low, and swap as memory.swap.max = swap - limit (the spec counts memory + swap)', () => {
    fixture({ 'memory.current': '0\n' });
    applyMemoryV2(dir, { limit: 1 << 20, swap: 3 << 20, reservation: 1 << 19 });
    expect(read('memory.max')).toBe(String(1 << 20));
    expect(read('memory.swap.max')).toBe(String(2 << 20));
    expect(read('memory.low')).toBe(String(1 << 19));
    applyMemoryV2(dir, { limit: -1, swap: -1 });
    expect([read('memory.max'), read('memory.swap.max')]).toEqual(['max', 'max']);
  });

  it('v2: an update of swap alone uses the limit in force', () => {
    applyMemoryV2(dir, { swap: 5 << 20 }, 4 << 20);
    expect(read('memory.swap.max')).toBe(String(1 << 20));
    expect(() => applyMemoryV2(dir, { swap: 5 << 20 })).toThrow('a swap limit on cgroup v2 needs a memory limit too');
  });

  it('v2: what it cannot do is refused with the reason (swappiness, disableOOMKiller, useHierarchy false)', () => {
    expect(() => applyMemoryV2(dir, { swappiness: 5 })).toThrow('/linux/resources/memory/swappiness: 5: cgroup v2 has no memory.swappiness');
    expect(() => applyMemoryV2(dir, { disableOOMKiller: true })).toThrow('/linux/resources/memory/disableOOMKiller');
    expect(() => applyMemoryV2(dir, { useHierarchy: false })).toThrow('/linux/resources/memory/useHierarchy: false');
    applyMemoryV2(dir, { useHierarchy: true });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('v1 stats: usage, memsw, kmem entries, cache and raw memory.stat', () => {
    const unlimited = '9223372036854771712';
    fixture({
      'memory.stat': 'cache 8192\nrss 4096\ntotal_cache 8192\n',
      'memory.usage_in_bytes': '12288\n', 'memory.max_usage_in_bytes': '16384\n', 'memory.failcnt': '2\n', 'memory.limit_in_bytes': '1048576\n',
      'memory.memsw.usage_in_bytes': '12288\n', 'memory.memsw.max_usage_in_bytes': '16384\n', 'memory.memsw.failcnt': '0\n', 'memory.memsw.limit_in_bytes': `${unlimited}\n`,
    });
    const s = memoryStatsV1(dir);
    expect(s.usage).toEqual({ limit: 1048576n, usage: 12288n, max: 16384n, failcnt: 2n });
    expect(s.swap.limit).toBe(BigInt(unlimited));
    // no kmem files (a kernel without them): the entry stays zero, as runc's
    expect(s.kernel).toEqual({ limit: 0n, failcnt: 0n });
    expect(s.cache).toBe(8192n);
    expect(s.raw).toEqual({ cache: 8192n, rss: 4096n, total_cache: 8192n });
  });

  it('v2 stats: memory.current/max/peak, failcnt from memory.events max, swap as memory + swap, file as cache', () => {
    fixture({
      'memory.stat': 'anon 4096\nfile 8192\n', 'memory.current': '12288\n', 'memory.max': 'max\n', 'memory.peak': '20480\n',
      'memory.events': 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n', 'memory.swap.current': '4096\n', 'memory.swap.max': '1048576\n',
    });
    const s = memoryStatsV2(dir);
    expect(s.usage).toEqual({ limit: 2n ** 64n - 1n, usage: 12288n, max: 20480n, failcnt: 4n });
    expect(s.swap).toEqual({ limit: 2n ** 64n - 1n, usage: 16384n, failcnt: 4n });
    expect(s.cache).toBe(8192n);
    expect(oomKillsV2(dir)).toBe(1);
  });

  it('v2 OOM watch: wakes on a change of memory.events (inotify) with the new oom_kill count, 0 once the file is gone', async () => {
    const events = (n: number) => `low 0\nhigh 0\nmax 0\noom ${n}\noom_kill ${n}\noom_group_kill 0\n`;
    fixture({ 'memory.events': events(1) });
    const watch = watchOomV2(dir);
    try {
      const first = watch.next();
      // the oom_kill already counted is not news; a change that leaves it alone wakes nothing
      writeFileSync(join(dir, 'memory.events'), events(1).replace('high 0', 'high 5'));
      writeFileSync(join(dir, 'memory.events'), events(3));
      expect(await first).toBe(2);
      const last = watch.next();
      rmSync(join(dir, 'memory.events'));
      expect(await last).toBe(0);
    } finally {
      watch.close();
    }
  });
});

describe('cpu', () => {
  it('v1: shares, CFS period/quota/burst, realtime period and runtime, idle (the kernel\'s clamping of shares: cgroups.test.ts)', () => {
    fixture({ 'cpu.shares': '512\n' });
    applyCpuV1(dir, { shares: 512, period: 100000, quota: 50000, burst: 1000, realtimePeriod: 1000000, realtimeRuntime: 5000, idle: 1 });
    expect(['cpu.cfs_period_us', 'cpu.cfs_quota_us', 'cpu.cfs_burst_us', 'cpu.rt_period_us', 'cpu.rt_runtime_us', 'cpu.idle'].map(read)).toEqual([
      '100000', '50000', '1000', '1000000', '5000', '1',
    ]);
  });

  it('v2: shares -> cpu.weight (runc\'s map), quota/period -> cpu.max, burst -> cpu.max.burst, idle; realtime refused', () => {
    expect([sharesToWeight(2), sharesToWeight(1024), sharesToWeight(262144)]).toEqual([1, 39, 10000]);
    fixture({ 'cpu.max': 'max 100000\n' });
    applyCpuV2(dir, { shares: 1024, quota: 20000, period: 50000, burst: 1000, idle: 0 });
    expect(['cpu.weight', 'cpu.max', 'cpu.max.burst', 'cpu.idle'].map(read)).toEqual(['39', '20000 50000', '1000', '0']);
    applyCpuV2(dir, { quota: -1 });
    expect(read('cpu.max')).toBe('max');
    expect(() => applyCpuV2(dir, { realtimeRuntime: 1000 })).toThrow('/linux/resources/cpu/realtimeRuntime: realtime cpu limits need cgroup v1');
  });

  it('v1 stats: cpuacct usage (per cpu, user and system ticks in ns) and cpu.stat throttling', () => {
    fixture({
      'cpuacct.usage': '3000\n', 'cpuacct.usage_percpu': '1000 2000 \n', 'cpuacct.usage_percpu_sys': '0 500\n', 'cpuacct.usage_percpu_user': '1000 1500\n',
      'cpuacct.stat': 'user 3\nsystem 2\n', 'cpu.stat': 'nr_periods 10\nnr_throttled 4\nthrottled_time 9000\n',
    });
    expect(cpuStatsV1(dir, dir)).toEqual({
      usage: { total: 3000n, percpu: [1000n, 2000n], percpu_kernel: [0n, 500n], percpu_user: [1000n, 1500n], kernel: 20_000_000n, user: 30_000_000n },
      throttling: { periods: 10n, throttledPeriods: 4n, throttledTime: 9000n },
    });
  });

  it('v2 stats: cpu.stat microseconds as nanoseconds', () => {
    fixture({ 'cpu.stat': 'usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n' });
    expect(cpuStatsV2(dir)).toEqual({
      usage: { total: 5000n, kernel: 2000n, user: 3000n },
      throttling: { periods: undefined, throttledPeriods: undefined, throttledTime: undefined },
    });
  });
});

describe('cpuset', () => {
  it('lists are expanded; v1 reports its flag files, v2 the effective sets', () => {
    expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    fixture({ 'cpuset.cpus': '0-1\n', 'cpuset.mems': '0\n', 'cpuset.cpu_exclusive': '0\n', 'cpuset.sched_relax_domain_level': '-1\n' });
    expect(cpusetStats(dir, false)).toEqual({ cpus: [0, 1], mems: [0], cpu_exclusive: 0, sched_relax_domain_level: -1 });
    fixture({ 'cpuset.cpus.effective': '1\n', 'cpuset.mems.effective': '0\n' });
    expect(cpusetStats(dir, true)).toEqual({ cpus: [1], mems: [0] });
  });
});

describe('pids', () => {
  it('a positive limit, -1 as max, 0 as unset (runc); stats leave "max" out', () => {
    applyPids(dir, { limit: 0 });
    expect(readdirSync(dir)).toEqual([]);
    applyPids(dir, { limit: -1 });
    expect(read('pids.max')).toBe('max');
    fixture({ 'pids.current': '3\n' });
    expect(pidsStats(dir)).toEqual({ current: 3n, limit: undefined });
    applyPids(dir, { limit: 7 });
    expect(pidsStats(dir)).toEqual({ current: 3n, limit: 7n });
  });
});

describe('block I/O', () => {
  it('v1: weight to the scheduler\'s file, per-device weights and throttles as "major:minor value"', () => {
    fixture({ 'blkio.bfq.weight': '100\n', 'blkio.bfq.weight_device': '', 'blkio.leaf_weight': '100\n', 'blkio.leaf_weight_device': '' });
    applyBlkioV1(dir, {
      weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 700, leafWeight: 600 }],
      throttleReadBpsDevice: [{ major: 254, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 100 }],
    });
    expect(
      ['blkio.bfq.weight', 'blkio.leaf_weight', 'blkio.bfq.weight_device', 'blkio.leaf_weight_device', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_iops_device'].map(read),
    ).toEqual(['300', '200', '8:0 700', '8:0 600', '254:0 1048576', '254:0 100']);
  });

  it('v1: a weight without a CFQ/BFQ file says which files the kernel lacks', () => {
    expect(() => applyBlkioV1(dir, { weight: 300 })).toThrow('/linux/resources/blockIO/weight: this kernel has no blkio.weight or blkio.bfq.weight');
  });

  it('v2: io.bfq.weight takes the weight as it is, io.weight the converted one; throttles go to io.max; leaf weights refused', () => {
    expect([blkioWeightToIoWeight(10), blkioWeightToIoWeight(500), blkioWeightToIoWeight(1000)]).toEqual([1, 4950, 10000]);
    fixture({ 'io.weight': 'default 100\n' });
    applyBlkioV2(dir, { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 1000 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 4096 }] });
    expect(read('io.weight')).toBe('8:0 10000');
    expect(read('io.max')).toBe('8:0 wbps=4096');
    fixture({ 'io.bfq.weight': 'default 100\n' });
    applyBlkioV2(dir, { weight: 500 });
    expect(read('io.bfq.weight')).toBe('500');
    expect(() => applyBlkioV2(dir, { leafWeight: 100 })).toThrow('/linux/resources/blockIO/leafWeight: cgroup v2 has no leaf weight');
  });

  it('stats: v1 "major:minor Op value" lines, v2 io.stat pairs as Read/Write entries', () => {
    fixture({ 'blkio.throttle.io_service_bytes_recursive': '254:0 Read 4096\n254:0 Write 0\nTotal 4096\n', 'blkio.throttle.io_serviced_recursive': '254:0 Read 1\nTotal 1\n' });
    expect(blkioStatsV1(dir)).toEqual({
      ioServiceBytesRecursive: [{ major: 254n, minor: undefined, op: 'Read', value: 4096n }, { major: 254n, minor: undefined, op: 'Write', value: undefined }],
      ioServicedRecursive: [{ major: 254n, minor: undefined, op: 'Read', value: 1n }],
    });
    // BFQ's counters win over the throttling layer's when the kernel has them
    fixture({ 'blkio.bfq.io_service_bytes_recursive': '8:0 Read 512\n', 'blkio.bfq.io_serviced_recursive': '8:0 Read 1\n' });
    expect(blkioStatsV1(dir).ioServiceBytesRecursive).toEqual([{ major: 8n, minor: undefined, op: 'Read', value: 512n }]);
    expect(parseIoStat('8:16 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n').ioServicedRecursive).toEqual([
      { major: 8n, minor: 16n, op: 'Read', value: 1n },
      { major: 8n, minor: 16n, op: 'Write', value: 2n },
    ]);
  });
});

describe('hugetlb', () => {
  it('v1: limit_in_bytes, and the reservation limit where the kernel has it', () => {
    fixture({ 'hugetlb.2MB.limit_in_bytes': '0\n', 'hugetlb.2MB.rsvd.limit_in_bytes': '0\n', 'hugetlb.1GB.limit_in_bytes': '0\n' });
    applyHugetlb(dir, false, { pageSize: '2MB', limit: 4194304 }, '/linux/resources/hugepageLimits/0');
    expect([read('hugetlb.2MB.limit_in_bytes'), read('hugetlb.2MB.rsvd.limit_in_bytes')]).toEqual(['4194304', '4194304']);
    applyHugetlb(dir, false, { pageSize: '1GB', limit: 0 }, '/linux/resources/hugepageLimits/1');
    expect(read('hugetlb.1GB.limit_in_bytes')).toBe('0');
  });

  it('v2: .max and .rsvd.max; a page size the kernel lacks names the ones it has', () => {
    fixture({ 'hugetlb.2MB.max': 'max\n', 'hugetlb.2MB.rsvd.max': 'max\n', 'hugetlb.2MB.current': '0\n', 'hugetlb.2MB.events': 'max 2\n' });
    applyHugetlb(dir, true, { pageSize: '2MB', limit: 2097152 }, '/linux/resources/hugepageLimits/0');
    expect([read('hugetlb.2MB.max'), read('hugetlb.2MB.rsvd.max')]).toEqual(['2097152', '2097152']);
    expect(() => applyHugetlb(dir, true, { pageSize: '2M', limit: 1 }, '/linux/resources/hugepageLimits/0')).toThrow(
      '/linux/resources/hugepageLimits/0/pageSize: "2M": this kernel has huge pages of 2MB (spelled as there)',
    );
    expect(hugetlbStats(dir, true)).toEqual({ '2MB': { usage: undefined, failcnt: 2n } });
  });

  it('v1 stats: usage, peak and failcnt per page size', () => {
    fixture({ 'hugetlb.2MB.limit_in_bytes': '0\n', 'hugetlb.2MB.usage_in_bytes': '2097152\n', 'hugetlb.2MB.max_usage_in_bytes': '4194304\n', 'hugetlb.2MB.failcnt': '1\n' });
    expect(hugetlbStats(dir, false)).toEqual({ '2MB': { usage: 2097152n, max: 4194304n, failcnt: 1n } });
  });
});

describe('network (v1 net_cls, net_prio)', () => {
  it('classid, and one "ifname prio" line per interface', () => {
    applyNetClassId(dir, 0x100001);
    expect(read('net_cls.classid')).toBe('1048577');
    applyNetPriorities(dir, [{ name: 'eth0', priority: 5 }]);
    expect(read('net_prio.ifpriomap')).toBe('eth0 5');
    expect(() => applyNetPriorities(dir, [{ name: 'a b', priority: 1 }])).toThrow('/linux/resources/network/priorities/0/name: "a b": not an interface name');
  });
});

describe('rdma', () => {
  it('one rdma.max line per device with the limits it names', () => {
    applyRdma(dir, { mlx5_0: { hcaHandles: 3, hcaObjects: 10000 } });
    expect(read('rdma.max')).toBe('mlx5_0 hca_handle=3 hca_object=10000');
    expect(() => applyRdma(dir, { 'a b': { hcaHandles: 1 } })).toThrow('/linux/resources/rdma/a b: not an RDMA device name');
  });
});

describe('unified (raw cgroup v2 files)', () => {
  it('writes each file as given; refuses what is not a plain cgroup file name', () => {
    applyUnified(dir, { 'memory.high': '1048576', 'cgroup.max.depth': '2' });
    expect([read('memory.high'), read('cgroup.max.depth')]).toEqual(['1048576', '2']);
    expect(() => applyUnified(dir, { '../memory.max': '1' })).toThrow('/linux/resources/unified/../memory.max: not a cgroup file name');
    expect(['memory.high', 'cgroup.freeze', 'io.max', 'nodot'].map(unifiedKeyController)).toEqual(['memory', undefined, 'io', undefined]);
  });
});

describe('the cgroupfs driver\'s layout and controllers', () => {
  it('tells v1, v2 and hybrid from the placement', () => {
    expect(layoutOf({ paths: { memory: '/m' } })).toBe('v1');
    expect(layoutOf({ paths: { unified: '/u' } })).toBe('v2');
    expect(layoutOf({ paths: { memory: '/m', unified: '/u' } })).toBe('hybrid');
  });

  it('names the controllers each resource needs (what cgroup2 gets enabled)', () => {
    expect(controllersFor({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }], blockIO: { weight: 100 }, rdma: { mlx5_0: { hcaHandles: 1 } } })).toEqual(['io', 'hugetlb', 'rdma']);
    expect(controllersFor({ memory: { swappiness: 1 }, network: { classID: 1 } })).toEqual(['memory']);
  });
});

describe("events' JSON (runc's schema)", () => {
  it('writes 64-bit counters exactly, leaves out omitempty zeros, keeps the others', () => {
    const s = emptyStats();
    s.memory.usage = { limit: 9223372036854771712n, usage: 1n, failcnt: 0n };
    s.pids = { current: 2n };
    const line = eventJson('stats', 'c1', s);
    expect(line).toContain('"usage":{"limit":9223372036854771712,"usage":1,"failcnt":0}');
    expect(JSON.parse(line)).toMatchObject({ type: 'stats', id: 'c1', data: { pids: { current: 2 }, cpu: { usage: { kernel: 0, user: 0 }, throttling: {} }, intel_rdt: {}, network_interfaces: null } });
    expect(eventJson('oom', 'c1')).toBe('{"type":"oom","id":"c1"}');
  });
});
