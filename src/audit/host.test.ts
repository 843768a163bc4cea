import { describe, expect, it } from 'vitest';
import { cgroupLayout, cgroupMounts } from './host.ts';

const V1 = '30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n';
const V2 = '31 25 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';
const OTHER = '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n';

describe('cgroup layout', () => {
  it('tells v1, v2 and hybrid apart from mountinfo', () => {
    expect(cgroupLayout(cgroupMounts(OTHER + V1))).toBe('v1');
    expect(cgroupLayout(cgroupMounts(OTHER + V2.replace('/sys/fs/cgroup/unified', '/sys/fs/cgroup')))).toBe('v2');
    expect(cgroupLayout(cgroupMounts(OTHER + V1 + V2))).toBe('hybrid');
    expect(cgroupMounts(V1)).toEqual([{ mountpoint: '/sys/fs/cgroup/memory', version: 1, options: ['rw', 'memory'] }]);
  });
});
