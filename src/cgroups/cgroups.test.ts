import { describe, it, expect, afterEach, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allOrNothing, writeCgroupFile } from './fs.ts';
import { TdrunError } from '../errors.ts';
import { stdio } from '../stdio.ts';
import { applyMemoryV2 } from './memory.ts';
import { spawn } from 'node:child_process';
import { parseCgroupSetup, resolvePlacement } from './setup.ts';
import { deviceState, ruleLine } from './devices.ts';
import { cgroupManager, detectCgroups, type CgroupPlacement } from './index.ts';
import { controllersFor } from './cgroupfs.ts';

const HYBRID_MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const HYBRID_SELF = '9:name=systemd:/\n4:memory:/a/b\n1:cpu:/\n0::/\n';

describe('resolvePlacement (runc cgroupfs rules)', () => {
  const setup = parseCgroupSetup(HYBRID_MOUNTINFO, HYBRID_SELF);
  it('finds every hierarchy, named and unified', () => {
    expect(setup.hierarchies.map((h) => h.key)).toEqual(['cpu', 'memory', 'name=systemd', 'unified']);
  });
  it('absolute paths start at the hierarchy root', () => {
    expect(resolvePlacement(setup, '/x/y', 'c').paths).toEqual({
      cpu: '/sys/fs/cgroup/cpu/x/y',
      memory: '/sys/fs/cgroup/memory/x/y',
      'name=systemd': '/sys/fs/cgroup/systemd/x/y',
      unified: '/sys/fs/cgroup/unified/x/y',
    });
  });
  it('relative paths and the default start at our own cgroup, as runc does', () => {
    expect(resolvePlacement(setup, undefined, 'c1').paths.memory).toBe('/sys/fs/cgroup/memory/a/b/c1');
    expect(resolvePlacement(setup, 'p/q', 'c1').paths.cpu).toBe('/sys/fs/cgroup/cpu/p/q');
  });
  it('refuses our own cgroup and its ancestors (runc freezes itself with "..")', () => {
    for (const p of ['.', '..', '/', '/a', '../../..', 'x/..']) {
      expect(() => resolvePlacement(setup, p, 'c1'), p).toThrow(/contains the runtime itself/);
    }
  });
  it('refuses systemd slice paths', () => {
    expect(() => resolvePlacement(setup, 'system.slice:docker:abc', 'c1')).toThrow(/systemd/);
  });
});

describe('device rules', () => {
  it('deny-all first, then runc defaults', () => {
    const s = deviceState([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }]);
    expect(s.defaultAllow).toBe(false);
    expect(s.exceptions.map(ruleLine)).toEqual([
      'c 1:3 rwm', 'c *:* m', 'b *:* m', 'c 1:8 rwm', 'c 1:7 rwm', 'c 5:0 rwm', 'c 1:5 rwm', 'c 1:9 rwm',
      'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm',
    ]);
  });
  it('a later deny removes bits of an exact earlier allow', () => {
    const s = deviceState([
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 4, minor: 1, access: 'rwm' },
      { allow: false, type: 'c', major: 4, minor: 1, access: 'w' },
    ]);
    expect(s.exceptions.map(ruleLine)).toContain('c 4:1 rm');
  });
  it('no rules: the default stays open, as runc leaves it', () => {
    expect(deviceState(undefined).defaultAllow).toBe(true);
  });
});

describe('kernel memory limits: a warning, as runc gives, instead of a refusal', () => {
  it('v2 has none: kernel and kernelTCP are ignored, each named, and nothing is written', () => {
    const fake = mkdtempSync(join(tmpdir(), 'tdrun-fake-cgroup-'));
    const printed: string[] = [];
    const spy = vi.spyOn(stdio, 'err').mockImplementation((text) => void printed.push(text));
    try {
      applyMemoryV2(fake, { limit: 1 << 20, kernel: 1 << 20, kernelTCP: 1 << 19 });
      expect(printed).toEqual([
        'tdrun: warning: /linux/resources/memory/kernel: ignored: cgroup v2 has no kernel memory limits (memory.max counts kernel memory)\n',
        'tdrun: warning: /linux/resources/memory/kernelTCP: ignored: cgroup v2 has no kernel memory limits (memory.max counts kernel memory)\n',
      ]);
      expect(readdirSync(fake)).toEqual(['memory.max']);
    } finally {
      spy.mockRestore();
      rmSync(fake, { recursive: true });
    }
  });
});

describe('cgroup2 controllers a config needs', () => {
  it('only those whose files its limits write', () => {
    expect(controllersFor(undefined)).toEqual([]);
    expect(controllersFor({ devices: [{ allow: false, access: 'rwm' }], memory: {} })).toEqual([]);
    expect(controllersFor({ memory: { limit: 1 << 20 }, pids: { limit: 5 } })).toEqual(['memory', 'pids']);
    expect(controllersFor({ cpu: { cpus: '0' } })).toEqual(['cpuset']);
    expect(controllersFor({ cpu: { shares: 0, quota: 50000 } })).toEqual(['cpu']);
    expect(controllersFor({ unified: { 'io.weight': '50', 'cgroup.max.depth': '2' } })).toEqual(['io']);
  });
});

const root = process.getuid?.() === 0 && existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
const unifiedMount = detectCgroups().hierarchies.find((h) => h.v2)?.mountpoint;

describe.skipIf(!root || !unifiedMount)("enabling cgroup2 controllers (root, this host's cgroup2 mount)", () => {
  it('a cgroup that holds processes gets a child when no limit needs a controller', async () => {
    const busy = `${unifiedMount}/tdrun-unit-busy-${process.pid}`;
    mkdirSync(busy);
    const sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => sleeper.once('spawn', r));
    try {
      writeFileSync(`${busy}/cgroup.procs`, String(sleeper.pid));
      // tdrun spec's default config: a device rule (a BPF program on v2) and no limit
      const made = cgroupManager({ paths: { unified: `${busy}/c` } }).create({ devices: [{ allow: false, access: 'rwm' }] });
      expect(made.created).toEqual([`${busy}/c`]);
      made.rollback();
      // what every create met before: enabling a controller where processes live is EBUSY
      const available = readFileSync(`${unifiedMount}/cgroup.controllers`, 'utf8').split(/\s+/).filter(Boolean);
      if (available.includes('hugetlb')) {
        expect(() => cgroupManager({ paths: { unified: `${busy}/c` } }).create({ unified: { 'hugetlb.2MB.max': '0' } })).toThrow(
          /write "\+hugetlb" to .*cgroup.subtree_control: device or resource busy/,
        );
        expect(existsSync(`${busy}/c`)).toBe(false);
      }
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
      rmdirSync(busy);
    }
  });

  it('an update enables the controllers its new limits need', (ctx) => {
    const available = readFileSync(`${unifiedMount}/cgroup.controllers`, 'utf8');
    if (!available.includes('hugetlb') || !existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) {
      ctx.skip('needs the hugetlb controller on cgroup2 and 2 MiB huge pages');
    }
    const parent = `${unifiedMount}/tdrun-unit-update-${process.pid}`;
    const placement = { paths: { unified: `${parent}/c` } };
    const made = cgroupManager(placement).create();
    try {
      expect(readFileSync(`${parent}/cgroup.subtree_control`, 'utf8').trim()).toBe('');
      cgroupManager(placement).update({ unified: { 'hugetlb.2MB.max': '2097152' } }, undefined, () => {});
      expect(readFileSync(`${parent}/c/hugetlb.2MB.max`, 'utf8').trim()).toBe('2097152');
    } finally {
      made.rollback();
    }
  });
});
const name = `/tdrun-unit-${process.pid}`;

describe.skipIf(!root)('on the real cgroupfs (root, v1 hybrid)', () => {
  let placement: CgroupPlacement | undefined;
  afterEach(() => {
    if (placement) cgroupManager(placement).destroy();
    placement = undefined;
  });

  it('creates, places, limits, freezes, lists and removes', async () => {
    placement = resolvePlacement(detectCgroups(), `${name}/sub`, 'x');
    const made = cgroupManager(placement).create();
    expect(made.created.length).toBe(2 * Object.keys(placement.paths).length);
    cgroupManager(placement).apply({
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 262144, swap: 262144 * 2 },
      pids: { limit: 10 },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
    });
    const d = (k: string) => placement!.paths[Object.keys(placement!.paths).find((x) => x.split(',').includes(k))!];
    expect(readFileSync(`${d('memory')}/memory.limit_in_bytes`, 'utf8').trim()).toBe('262144');
    expect(readFileSync(`${d('pids')}/pids.max`, 'utf8').trim()).toBe('10');
    expect(readFileSync(`${d('devices')}/devices.list`, 'utf8')).toContain('c 1:3 rwm');
    expect(readFileSync(`${d('devices')}/devices.list`, 'utf8')).not.toContain('a *:*');
    // growing memory and swap together needs memsw written first
    cgroupManager(placement).update({ memory: { limit: 64 << 20, swap: 128 << 20 } }, undefined, () => {});
    expect(readFileSync(`${d('memory')}/memory.memsw.limit_in_bytes`, 'utf8').trim()).toBe(String(128 << 20));
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    for (const dir of Object.values(placement.paths)) writeFileSync(`${dir}/cgroup.procs`, String(child.pid));
    expect(cgroupManager(placement).pids()).toEqual([child.pid]);
    cgroupManager(placement).freeze();
    expect(cgroupManager(placement).freezerState()).toBe('frozen');
    cgroupManager(placement).thaw();
    expect(cgroupManager(placement).freezerState()).toBe('thawed');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    made.rollback();
    for (const dir of made.created) expect(existsSync(dir)).toBe(false);
    placement = undefined;
  });

  it('rollback removes only what it made', () => {
    const parent = resolvePlacement(detectCgroups(), name, 'x');
    cgroupManager(parent).create();
    const child = resolvePlacement(detectCgroups(), `${name}/child`, 'x');
    const made = cgroupManager(child).create();
    expect(made.created).toEqual(Object.values(child.paths));
    made.rollback();
    for (const dir of Object.values(child.paths)) expect(existsSync(dir)).toBe(false);
    for (const dir of Object.values(parent.paths)) expect(existsSync(dir)).toBe(true);
    placement = parent;
  });

  it('names the setting that fails', () => {
    const p = (placement = resolvePlacement(detectCgroups(), name, 'x'));
    cgroupManager(p).create();
    expect(() => cgroupManager(p).apply({ network: { classID: 1 } })).toThrow(
      '/linux/resources/network/classID: this host has no net_cls cgroup hierarchy mounted',
    );
    expect(() => cgroupManager(p).apply({ memory: { swappiness: 200 } })).toThrow('/linux/resources/memory/swappiness');
    expect(() => cgroupManager(p).apply({ cpu: { shares: 1 << 20 } })).toThrow(/shares.*at most 262144/);
    expect(() => cgroupManager(p).apply({ memory: { limit: 1 << 20, swap: 1 << 19 } })).toThrow('/linux/resources/memory/swap: 524288: must be at least');
  });

  it('v1 kernel memory limits are ignored with a warning (no effect since Linux 5.16)', () => {
    const p = (placement = resolvePlacement(detectCgroups(), name, 'x'));
    cgroupManager(p).create();
    const printed: string[] = [];
    const spy = vi.spyOn(stdio, 'err').mockImplementation((text) => void printed.push(text));
    try {
      cgroupManager(p).apply({ memory: { kernel: 1 << 20 } });
    } finally {
      spy.mockRestore();
    }
    expect(printed).toEqual(['tdrun: warning: /linux/resources/memory/kernel: ignored: kernel memory limits are deprecated (no effect since Linux 5.16)\n']);
  });
});

describe('allOrNothing (update\'s rollback), on plain files standing in for cgroup files', () => {
  it('puts back what each file held before its first write, in the form each file takes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdrun-undo-'));
    const files: Record<string, string> = {
      'memory.limit_in_bytes': '9223372036854771712\n',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n',
      'blkio.throttle.read_bps_device': '8:0 100\n',
      'devices.list': 'c 1:3 rwm\nc 1:5 rwm\n',
      'devices.deny': '',
      'devices.allow': '',
      'io.max': '8:0 rbps=100 wbps=max riops=max wiops=max\n',
      'io.weight': 'default 100\n',
    };
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    try {
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
      expect(() =>
        allOrNothing(() => {
          writeCgroupFile(dir, 'memory.limit_in_bytes', '1000');
          writeCgroupFile(dir, 'memory.limit_in_bytes', '2000');
          writeCgroupFile(dir, 'memory.oom_control', '1');
          writeCgroupFile(dir, 'blkio.throttle.read_bps_device', ['8:16 7', '8:0 5']);
          writeCgroupFile(dir, 'devices.allow', 'a');
          writeCgroupFile(dir, 'io.max', ['8:16 wbps=5', '8:0 rbps=7']);
          writeCgroupFile(dir, 'io.weight', '50');
          throw new TdrunError('the next write failed');
        }),
      ).toThrow('the next write failed');
      expect(read('memory.limit_in_bytes'), 'the value before the first write').toBe('9223372036854771712');
      expect(read('memory.oom_control')).toBe('0');
      // one write per device, newest first: a device that had no limit gets 0, the default
      expect(read('blkio.throttle.read_bps_device')).toBe('8:16 0');
      // devices.allow/deny cannot be read: devices.list is, and its rules are written back
      expect(read('devices.deny')).toBe('a');
      expect(read('devices.allow')).toBe('c 1:3 rwmc 1:5 rwm');
      // v2: each device's own line, or the defaults for a device that had none
      expect(read('io.max')).toBe('8:16 rbps=max wbps=max riops=max wiops=max');
      expect(read('io.weight')).toBe('default 100');
      // outside allOrNothing nothing is read or remembered
      writeCgroupFile(dir, 'memory.limit_in_bytes', '3000');
      expect(read('memory.limit_in_bytes')).toBe('3000');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
