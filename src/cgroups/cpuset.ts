// The cpuset controller. A new v1 cpuset cgroup starts with empty cpus and mems, and the kernel
// refuses tasks (ENOSPC) until both are set, so each level gets its parent's values first.
import { posix } from 'node:path';
import type { LinuxCPU } from '../spec/types.ts';
import { readCgroupFile, writeCgroupFile } from './fs.ts';
import { type CpusetStats, ifPresent } from './stats.ts';

const P = '/linux/resources/cpu';

/** Copies cpus/mems down from `mountpoint` to `dir` into every level where they are empty. */
export function inheritCpusetV1(mountpoint: string, dir: string): void {
  const rel = posix.relative(mountpoint, dir);
  let parent = mountpoint;
  for (const part of rel.split('/').filter(Boolean)) {
    const child = posix.join(parent, part);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (readCgroupFile(child, file).trim() === '') {
        writeCgroupFile(child, file, readCgroupFile(parent, file).trim());
      }
    }
    parent = child;
  }
}

/** v1 and v2 name the files alike. */
export function applyCpuset(dir: string, cpu: LinuxCPU | undefined): void {
  if (!cpu) return;
  if (cpu.cpus) writeCgroupFile(dir, 'cpuset.cpus', cpu.cpus, `${P}/cpus`);
  if (cpu.mems) writeCgroupFile(dir, 'cpuset.mems', cpu.mems, `${P}/mems`);
}

/** "0-2,5" -> [0, 1, 2, 5] */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [from, to] = part.split('-').map(Number);
    for (let n = from; n <= (to ?? from); n++) out.push(n);
  }
  return out;
}

/** v1 flag files, in runc's names (the file without "cpuset."). */
const V1_FLAGS = [
  'cpu_exclusive', 'mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page', 'memory_spread_slab',
  'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level',
] as const;

/** v1 reads what is set; v2 what is in force (the .effective files: an empty cpuset.cpus means the parent's). */
export function cpusetStats(dir: string, v2: boolean): CpusetStats {
  const list = (file: string) => parseCpuList(readCgroupFile(dir, file));
  if (v2) return { cpus: list('cpuset.cpus.effective'), mems: list('cpuset.mems.effective') };
  const stats: CpusetStats = { cpus: list('cpuset.cpus'), mems: list('cpuset.mems') };
  for (const flag of V1_FLAGS) {
    const value = ifPresent(() => Number(readCgroupFile(dir, `cpuset.${flag}`).trim()));
    if (value !== undefined) stats[flag] = value;
  }
  return stats;
}
