// The cpuset controller. A new v1 cpuset cgroup starts with empty cpus and mems, and the kernel
// refuses tasks (ENOSPC) until both are set, so each level gets its parent's values first.
import { posix } from 'node:path';
import type { LinuxCPU } from '../spec/types.ts';
import { readCgroupFile, writeCgroupFile } from './fs.ts';

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
