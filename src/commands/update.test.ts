import { describe, expect, it } from 'vitest';
import { parseMemorySize, resourcesFromFlags } from './update.ts';
import { parseGoDuration } from '../container/events.ts';

describe("update's runc flags", () => {
  it('memory sizes as runc reads them (binary units, any case, optional b/ib; -1 unlimited)', () => {
    expect(['1024', '32m', '32M', '1.5g', '512kb', '2MiB', '1 k', '-1'].map((t) => parseMemorySize('memory', t))).toEqual([
      1024, 32 << 20, 32 << 20, 1.5 * 2 ** 30, 512 << 10, 2 << 20, 1024, -1,
    ]);
    for (const bad of ['', 'm', '-2', '12q', '1e3']) expect(() => parseMemorySize('memory', bad), bad).toThrow(/^--memory ".*": not a size/);
  });

  it('each flag sets its field; what no flag names stays absent (unchanged)', () => {
    expect(
      resourcesFromFlags({
        memory: '64m', memoryReservation: '32m', memorySwap: '-1', cpuPeriod: '100000', cpuQuota: '-1', cpuShare: '512',
        cpuRtPeriod: '1000000', cpuRtRuntime: '950000', cpusetCpus: '0-1', cpusetMems: '0', blkioWeight: '300', pidsLimit: '-1',
      }),
    ).toEqual({
      memory: { limit: 64 << 20, reservation: 32 << 20, swap: -1 },
      cpu: { period: 100000, quota: -1, shares: 512, realtimePeriod: 1000000, realtimeRuntime: 950000, cpus: '0-1', mems: '0' },
      blockIO: { weight: 300 },
      pids: { limit: -1 },
    });
    expect(resourcesFromFlags({ pidsLimit: '20' })).toEqual({ pids: { limit: 20 } });
  });

  it('numbers are checked with the flag named', () => {
    expect(() => resourcesFromFlags({ cpuShare: '-5' })).toThrow('--cpu-share "-5": must be a non-negative integer');
    expect(() => resourcesFromFlags({ cpuQuota: '1.5' })).toThrow('--cpu-quota "1.5": must be an integer');
  });
});

describe("events' --interval (a Go duration)", () => {
  it('reads Go spellings and refuses the rest', () => {
    expect(['5s', '500ms', '1m30s', '1h', '1.5s', '250us'].map(parseGoDuration)).toEqual([5000, 500, 90000, 3600000, 1500, 0.25]);
    for (const bad of ['5', 's', '5 s', '0s', '-1s']) expect(() => parseGoDuration(bad), bad).toThrow('--interval');
  });
});
