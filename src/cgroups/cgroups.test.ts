import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allOrNothing, writeCgroupFile } from './fs.ts';
import { TdrunError } from '../errors.ts';
import { spawn } from 'node:child_process';
import { parseCgroupSetup, resolvePlacement } from './setup.ts';
import { deviceState, ruleLine } from './devices.ts';
import {
  applyResources, createCgroups, detectCgroups, freeze, isFrozen, listPids, removeCgroups, thaw,
  type CgroupPlacement,
} from './index.ts';

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

const root = process.getuid?.() === 0 && existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
const name = `/tdrun-unit-${process.pid}`;

describe.skipIf(!root)('on the real cgroupfs (root, v1 hybrid)', () => {
  let placement: CgroupPlacement | undefined;
  afterEach(() => {
    if (placement) removeCgroups(placement);
    placement = undefined;
  });

  it('creates, places, limits, freezes, lists and removes', async () => {
    placement = resolvePlacement(detectCgroups(), `${name}/sub`, 'x');
    const made = createCgroups(placement);
    expect(made.created.length).toBe(2 * Object.keys(placement.paths).length);
    applyResources(placement, {
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
    applyResources(placement, { memory: { limit: 64 << 20, swap: 128 << 20 } }, { update: true });
    expect(readFileSync(`${d('memory')}/memory.memsw.limit_in_bytes`, 'utf8').trim()).toBe(String(128 << 20));
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    for (const dir of Object.values(placement.paths)) writeFileSync(`${dir}/cgroup.procs`, String(child.pid));
    expect(listPids(placement)).toEqual([child.pid]);
    freeze(placement);
    expect(isFrozen(placement)).toBe(true);
    thaw(placement);
    expect(isFrozen(placement)).toBe(false);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    made.rollback();
    for (const dir of made.created) expect(existsSync(dir)).toBe(false);
    placement = undefined;
  });

  it('rollback removes only what it made', () => {
    const parent = resolvePlacement(detectCgroups(), name, 'x');
    createCgroups(parent);
    const child = resolvePlacement(detectCgroups(), `${name}/child`, 'x');
    const made = createCgroups(child);
    expect(made.created).toEqual(Object.values(child.paths));
    made.rollback();
    for (const dir of Object.values(child.paths)) expect(existsSync(dir)).toBe(false);
    for (const dir of Object.values(parent.paths)) expect(existsSync(dir)).toBe(true);
    placement = parent;
  });

  it('names the setting that fails', () => {
    const p = (placement = resolvePlacement(detectCgroups(), name, 'x'));
    createCgroups(p);
    expect(() => applyResources(p, { hugepageLimits: [{ pageSize: '2MB', limit: 1 }] })).toThrow(
      '/linux/resources/hugepageLimits: not supported by tdrun yet',
    );
    expect(() => applyResources(p, { memory: { swappiness: 200 } })).toThrow('/linux/resources/memory/swappiness');
    expect(() => applyResources(p, { cpu: { shares: 1 << 20 } })).toThrow(/shares.*at most 262144/);
    if (Number(readFileSync('/proc/sys/kernel/osrelease', 'utf8').split('.')[0]) >= 6) {
      expect(() => applyResources(p, { memory: { kernel: 1 << 20 } })).toThrow('/linux/resources/memory/kernel: this kernel ignores');
    }
    expect(() => applyResources(p, { memory: { limit: 1 << 20, swap: 1 << 19 } })).toThrow('/linux/resources/memory/swap: 524288: must be at least');
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
      // outside allOrNothing nothing is read or remembered
      writeCgroupFile(dir, 'memory.limit_in_bytes', '3000');
      expect(read('memory.limit_in_bytes')).toBe('3000');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
