// The systemd driver's naming and property rules (runc's), on fake machines. Starting scopes for
// real needs systemd as PID 1: spec-tests/systemd-v2-guest.test.ts does that in the QEMU guest.
import { describe, it, expect } from 'vitest';
import { parseCgroupSetup } from './setup.ts';
import { annotationProperties, cpusetBits, deviceGroup, parseGVariantText, deviceProperties, expandSlice, parseSystemdCgroupsPath, resourceProperties, systemdBases, systemdPlacement } from './systemd.ts';

const MAX = 2n ** 64n - 1n;

describe('systemd cgroupsPath "slice:prefix:name" (runc rules)', () => {
  it('no cgroupsPath: system.slice and runc-<id>.scope', () => {
    expect(parseSystemdCgroupsPath(undefined, 'c1')).toEqual({ slice: 'system.slice', unit: 'runc-c1.scope', description: 'tdrun container c1' });
    expect(parseSystemdCgroupsPath('', 'c1')).toEqual({ slice: 'system.slice', unit: 'runc-c1.scope', description: 'tdrun container c1' });
  });
  it('the three parts; an empty slice is system.slice, an empty prefix drops the dash', () => {
    expect(parseSystemdCgroupsPath('machine.slice:docker:abc', 'c1')).toEqual({ slice: 'machine.slice', unit: 'docker-abc.scope', description: 'tdrun container c1' });
    expect(parseSystemdCgroupsPath(':cri:x', 'c1')).toEqual({ slice: 'system.slice', unit: 'cri-x.scope', description: 'tdrun container c1' });
    expect(parseSystemdCgroupsPath('a.slice::x', 'c1')).toEqual({ slice: 'a.slice', unit: 'x.scope', description: 'tdrun container c1' });
  });
  it('refuses other forms with the reason', () => {
    expect(() => parseSystemdCgroupsPath('/a/b', 'c1')).toThrow(/slice:prefix:name/);
    expect(() => parseSystemdCgroupsPath('a:b:c:d', 'c1')).toThrow(/slice:prefix:name/);
    expect(() => parseSystemdCgroupsPath('system:x:y', 'c1')).toThrow(/not a slice name/);
    expect(() => parseSystemdCgroupsPath('system.slice:x:', 'c1')).toThrow(/name part is empty/);
    expect(() => parseSystemdCgroupsPath('system.slice:x:y.slice', 'c1')).toThrow(/transient slice/);
  });
});

describe('slice names expand by their dashes', () => {
  it('nests each dash level', () => {
    expect(expandSlice('system.slice')).toBe('/system.slice');
    expect(expandSlice('a-b.slice')).toBe('/a.slice/a-b.slice');
    expect(expandSlice('a-b-c.slice')).toBe('/a.slice/a-b.slice/a-b-c.slice');
    expect(expandSlice('-.slice')).toBe('/');
  });
  it('refuses empty parts, paths and non-slices', () => {
    for (const bad of ['.slice', 'a--b.slice', '-a.slice', 'a-.slice', 'a/b.slice', 'a.scope']) expect(() => expandSlice(bad), bad).toThrow();
  });
});

describe("the scope's cgroup in every hierarchy", () => {
  it('pure v2: below systemd\'s root, outside init.scope', () => {
    const setup = parseCgroupSetup('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '0::/user.slice/session-1.scope\n');
    const name = { slice: 'a-b.slice', unit: 'x-c1.scope', description: 'tdrun container c1' };
    expect(systemdPlacement(setup, name, '0::/init.scope\n')).toEqual({
      paths: { unified: '/sys/fs/cgroup/a.slice/a-b.slice/x-c1.scope' },
      driver: 'systemd',
      systemd: name,
    });
  });
  it('hybrid: each v1 hierarchy and the unified one, from systemd in a container without a cgroup namespace', () => {
    const setup = parseCgroupSetup(
      ['32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory', '41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw'].join('\n'),
      '4:memory:/\n0::/\n',
    );
    const bases = '4:memory:/machine.slice/ct.scope\n0::/machine.slice/ct.scope/init.scope\n';
    expect(systemdBases(bases).get('unified')).toBe('/machine.slice/ct.scope');
    expect(systemdPlacement(setup, { slice: 'system.slice', unit: 'runc-c1.scope', description: '' }, bases).paths).toEqual({
      memory: '/sys/fs/cgroup/memory/machine.slice/ct.scope/system.slice/runc-c1.scope',
      unified: '/sys/fs/cgroup/unified/machine.slice/ct.scope/system.slice/runc-c1.scope',
    });
  });
});

describe('unit properties for the limits (as runc sets them)', () => {
  const props = (r: Parameters<typeof resourceProperties>[0], v2 = true) => Object.fromEntries(resourceProperties(r, v2).map(([k, v]) => [k, v.value]));

  it('memory: max, low and swap alone (the spec counts memory + swap) on v2; -1 is infinity', () => {
    expect(props({ memory: { limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20 } })).toEqual({
      MemoryMax: 64n << 20n,
      MemoryLow: 32n << 20n,
      MemorySwapMax: 32n << 20n,
    });
    expect(props({ memory: { limit: -1, swap: -1 } })).toEqual({ MemoryMax: MAX, MemorySwapMax: MAX });
    expect(props({ memory: { limit: 64 << 20 } }, false)).toEqual({ MemoryLimit: 64n << 20n });
  });

  it('cpu: weight from shares, quota per second rounded up to 10 ms, the period, the cpusets as bitmasks', () => {
    expect(props({ cpu: { shares: 1024, quota: 50_000, period: 100_000, cpus: '0-3,9', mems: '0' } })).toEqual({
      CPUWeight: 39n,
      CPUQuotaPeriodUSec: 100_000n,
      CPUQuotaPerSecUSec: 500_000n,
      AllowedCPUs: [0x0f, 0x02],
      AllowedMemoryNodes: [0x01],
    });
    expect(props({ cpu: { quota: 12_345 } }).CPUQuotaPerSecUSec).toBe(130_000n);
    // a period alone leaves the quota unlimited
    expect(props({ cpu: { period: 50_000 } }).CPUQuotaPerSecUSec).toBe(MAX);
    expect(props({ cpu: { shares: 512 } }, false)).toEqual({ CPUShares: 512n });
  });

  it('pids: TasksMax, unlimited for -1; 0 and absent settings make no property', () => {
    expect(props({ pids: { limit: 32 } })).toEqual({ TasksMax: 32n });
    expect(props({ pids: { limit: -1 } })).toEqual({ TasksMax: MAX });
    expect(props({ pids: { limit: 0 }, memory: { limit: 0 }, cpu: { shares: 0, quota: 0 } })).toEqual({});
  });

  it('a cpuset list that is not one is an error naming the setting', () => {
    expect(() => cpusetBits('1-x', '/linux/resources/cpu/cpus')).toThrow(/cpu\/cpus.*not a list/);
    expect(() => cpusetBits('3-1', '/linux/resources/cpu/cpus')).toThrow(/not a list/);
  });
});

describe('device rules as DevicePolicy/DeviceAllow (runc\'s translation)', () => {
  const PROC_DEVICES = 'Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n\nBlock devices:\n  7 loop\n  8 sd\n';
  const props = (devices: Parameters<typeof deviceProperties>[0]) => deviceProperties(devices, PROC_DEVICES).map(([k, v]) => [k, v.value]);

  it("a deny-all config with runc's default devices: strict, by number, by group, by type", () => {
    expect(props([{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: -1 as unknown as number, access: 'r' }])).toEqual([
      ['DevicePolicy', 'strict'],
      ['DeviceAllow', []],
      [
        'DeviceAllow',
        [
          ['block-sd', 'r'],
          ['char-*', 'm'],
          ['block-*', 'm'],
          ['/dev/char/1:3', 'rwm'],
          ['/dev/char/1:8', 'rwm'],
          ['/dev/char/1:7', 'rwm'],
          ['/dev/char/5:0', 'rwm'],
          ['/dev/char/1:5', 'rwm'],
          ['/dev/char/1:9', 'rwm'],
          ['char-pts', 'rwm'],
          ['/dev/char/5:2', 'rwm'],
          ['/dev/char/10:200', 'rwm'],
        ],
      ],
    ]);
  });

  it('no rules (everything allowed): systemd keeps its default policy and no list', () => {
    expect(props(undefined)).toEqual([['DevicePolicy', 'auto'], ['DeviceAllow', []]]);
  });

  it('a deny list cannot be said to systemd: strict with nothing allowed, as runc', () => {
    expect(props([{ allow: false, type: 'c', major: 1, minor: 1, access: 'rwm' }])).toEqual([['DevicePolicy', 'strict'], ['DeviceAllow', []]]);
  });

  it('/proc/devices names majors per type', () => {
    expect(deviceGroup(PROC_DEVICES, 'c', 136)).toBe('pts');
    expect(deviceGroup(PROC_DEVICES, 'b', 8)).toBe('sd');
    expect(deviceGroup(PROC_DEVICES, 'b', 136)).toBeNull();
  });
});

describe('org.systemd.property.* annotations (runc\'s rules)', () => {
  const W = '/annotations/x';
  it('reads GVariant text: booleans, typed and untyped numbers, quoted strings', () => {
    expect(parseGVariantText('true', W)).toEqual({ signature: 'b', value: true });
    expect(parseGVariantText('uint64 123', W)).toEqual({ signature: 't', value: 123n });
    expect(parseGVariantText('@t 5', W)).toEqual({ signature: 't', value: 5n });
    expect(parseGVariantText('int32 -4', W)).toEqual({ signature: 'i', value: -4 });
    expect(parseGVariantText('7', W)).toEqual({ signature: 'i', value: 7 });
    expect(parseGVariantText('1.5', W)).toEqual({ signature: 'd', value: 1.5 });
    expect(parseGVariantText("'inactive-or-failed'", W)).toEqual({ signature: 's', value: 'inactive-or-failed' });
    expect(parseGVariantText('"it\\"s"', W)).toEqual({ signature: 's', value: 'it"s' });
  });
  it('refuses what it does not read, naming the annotation', () => {
    expect(() => parseGVariantText("['a', 'b']", W)).toThrow(/\/annotations\/x: .*not this/);
    expect(() => parseGVariantText('uint64 1.5', W)).toThrow(/not an integer/);
    expect(() => parseGVariantText('bareword', W)).toThrow(/not this/);
  });
  it('names of letters only; "...Sec" in seconds becomes "...USec" in microseconds', () => {
    expect(annotationProperties({ CollectMode: "'inactive-or-failed'", TimeoutStopSec: '2.5', TimeoutStopUSec: 'uint64 7' })).toEqual([
      ['CollectMode', { signature: 's', value: 'inactive-or-failed' }],
      ['TimeoutStopUSec', { signature: 't', value: 2_500_000n }],
      ['TimeoutStopUSec', { signature: 't', value: 7n }],
    ]);
    expect(() => annotationProperties({ 'Bad-Name': 'true' })).toThrow(/org.systemd.property.Bad-Name: a systemd property name/);
    expect(() => annotationProperties({ TimeoutStopSec: "'soon'" })).toThrow(/seconds must be a number/);
  });
});
