// The cpu controller: v1 cpu.shares / cpu.cfs_* / cpu.rt_* / cpu.idle, v2 cpu.weight / cpu.max.
import type { LinuxCPU } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { readCgroupFile, writeCgroupFile } from './fs.ts';
import { type CpuStats, ifPresent, nonEmptyList, nz, readCounter, readKeyedCounters } from './stats.ts';

const P = '/linux/resources/cpu';

export function applyCpuV1(dir: string, cpu: LinuxCPU | undefined): void {
  if (!cpu) return;
  if (cpu.shares !== undefined && cpu.shares !== 0) {
    writeCgroupFile(dir, 'cpu.shares', String(cpu.shares), `${P}/shares`);
    // the kernel clamps silently to [2, 262144]: say so instead of running with another value
    const got = Number(readCgroupFile(dir, 'cpu.shares').trim());
    if (got !== cpu.shares) {
      throw new TdrunError(`${P}/shares: ${cpu.shares}`, `the kernel accepts ${got < cpu.shares ? 'at most' : 'at least'} ${got}`);
    }
  }
  if (cpu.period !== undefined && cpu.period !== 0) {
    try {
      writeCgroupFile(dir, 'cpu.cfs_period_us', String(cpu.period), `${P}/period`);
    } catch (err) {
      // a shorter period can be refused while the old quota does not fit it: quota first, then retry
      if (cpu.quota === undefined || cpu.quota === 0) throw err;
      writeCgroupFile(dir, 'cpu.cfs_quota_us', String(cpu.quota), `${P}/quota`);
      writeCgroupFile(dir, 'cpu.cfs_period_us', String(cpu.period), `${P}/period`);
    }
  }
  if (cpu.quota !== undefined && cpu.quota !== 0) {
    writeCgroupFile(dir, 'cpu.cfs_quota_us', String(cpu.quota), `${P}/quota`);
  }
  if (cpu.burst !== undefined) writeCgroupFile(dir, 'cpu.cfs_burst_us', String(cpu.burst), `${P}/burst`);
  // rt_period before rt_runtime: the runtime must fit in the period at every step
  if (cpu.realtimePeriod !== undefined && cpu.realtimePeriod !== 0) {
    writeCgroupFile(dir, 'cpu.rt_period_us', String(cpu.realtimePeriod), `${P}/realtimePeriod`);
  }
  if (cpu.realtimeRuntime !== undefined && cpu.realtimeRuntime !== 0) {
    writeCgroupFile(dir, 'cpu.rt_runtime_us', String(cpu.realtimeRuntime), `${P}/realtimeRuntime`);
  }
  if (cpu.idle !== undefined) writeCgroupFile(dir, 'cpu.idle', String(cpu.idle), `${P}/idle`);
}

/** v1 shares [2, 262144] onto v2 weight [1, 10000], the conversion runc and crun agree on (in
 *  integers: 1024, docker's default, is weight 39 with both). */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

export function applyCpuV2(dir: string, cpu: LinuxCPU | undefined): void {
  if (!cpu) return;
  if (cpu.idle !== undefined) writeCgroupFile(dir, 'cpu.idle', String(cpu.idle), `${P}/idle`);
  if (cpu.shares !== undefined && cpu.shares !== 0) {
    writeCgroupFile(dir, 'cpu.weight', String(sharesToWeight(cpu.shares)), `${P}/shares`);
  }
  if (cpu.burst !== undefined) writeCgroupFile(dir, 'cpu.max.burst', String(cpu.burst), `${P}/burst`);
  const hasQuota = cpu.quota !== undefined && cpu.quota !== 0;
  const hasPeriod = cpu.period !== undefined && cpu.period !== 0;
  if (hasQuota || hasPeriod) {
    const quota = hasQuota ? (cpu.quota! > 0 ? String(cpu.quota) : 'max') : readCgroupFile(dir, 'cpu.max').split(' ')[0];
    const period = hasPeriod ? ` ${cpu.period}` : '';
    writeCgroupFile(dir, 'cpu.max', quota + period, hasQuota ? `${P}/quota` : `${P}/period`);
  }
  if (cpu.realtimeRuntime || cpu.realtimePeriod) {
    // as runc: cgroup v2 has no realtime bandwidth files (RT tasks are only allowed in the root)
    throw new TdrunError(`${P}/${cpu.realtimeRuntime ? 'realtimeRuntime' : 'realtimePeriod'}`, 'realtime cpu limits need cgroup v1 (cgroup v2 has no cpu.rt_* files)');
  }
}

/** cpuacct.stat counts in USER_HZ ticks, 100 a second on every Linux architecture tdrun builds for. */
const NS_PER_TICK = 10_000_000n;

function perCpu(dir: string, file: string): bigint[] {
  return readCgroupFile(dir, file).trim().split(/\s+/).filter(Boolean).map(BigInt);
}

/** v1: usage from cpuacct (its own hierarchy or shared with cpu), throttling from cpu.stat. */
export function cpuStatsV1(cpuacctDir: string | undefined, cpuDir: string | undefined): CpuStats {
  const stats: CpuStats = { usage: { kernel: 0n, user: 0n }, throttling: {} };
  if (cpuacctDir) {
    const ticks = readKeyedCounters(cpuacctDir, 'cpuacct.stat');
    stats.usage = {
      total: nz(readCounter(cpuacctDir, 'cpuacct.usage')),
      percpu: nonEmptyList(perCpu(cpuacctDir, 'cpuacct.usage_percpu')),
      percpu_kernel: nonEmptyList(ifPresent(() => perCpu(cpuacctDir, 'cpuacct.usage_percpu_sys')) ?? []),
      percpu_user: nonEmptyList(ifPresent(() => perCpu(cpuacctDir, 'cpuacct.usage_percpu_user')) ?? []),
      kernel: (ticks.system ?? 0n) * NS_PER_TICK,
      user: (ticks.user ?? 0n) * NS_PER_TICK,
    };
  }
  if (cpuDir) {
    const t = readKeyedCounters(cpuDir, 'cpu.stat');
    stats.throttling = { periods: nz(t.nr_periods ?? 0n), throttledPeriods: nz(t.nr_throttled ?? 0n), throttledTime: nz(t.throttled_time ?? 0n) };
  }
  return stats;
}

/** v2's cpu.stat counts microseconds; runc reports nanoseconds. */
export function cpuStatsV2(dir: string): CpuStats {
  const t = readKeyedCounters(dir, 'cpu.stat');
  const us = (key: string) => (t[key] ?? 0n) * 1000n;
  return {
    usage: { total: nz(us('usage_usec')), kernel: us('system_usec'), user: us('user_usec') },
    throttling: { periods: nz(t.nr_periods ?? 0n), throttledPeriods: nz(t.nr_throttled ?? 0n), throttledTime: nz(us('throttled_usec')) },
  };
}
