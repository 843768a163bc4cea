// The memory controller. v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes (limit + swap,
// which the kernel keeps >= the memory limit at every moment, so the write order depends on the
// direction of the change), soft limit, swappiness, oom_control. v2: memory.max/low/swap.max.
import type { LinuxMemory } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { warn } from '../log.ts';
import { readCgroupFile, writeCgroupFile } from './fs.ts';

const P = '/linux/resources/memory';

function v1Value(n: number): string {
  return n < 0 ? '-1' : String(n);
}

function readV1Limit(dir: string, file: string): number {
  const n = Number(readCgroupFile(dir, file).trim());
  // the kernel reports "unlimited" as a huge page-aligned number
  return n >= 2 ** 62 ? Infinity : n;
}

function checkBeforeUpdate(dir: string, mem: LinuxMemory, usageFile: string): void {
  if (!mem.checkBeforeUpdate || mem.limit === undefined || mem.limit < 0) return;
  const usage = Number(readCgroupFile(dir, usageFile).trim());
  if (mem.limit < usage) {
    throw new TdrunError(`${P}/limit: ${mem.limit}`, `below the current usage ${usage} (${usageFile}) and checkBeforeUpdate is set`);
  }
}

export function applyMemoryV1(dir: string, mem: LinuxMemory | undefined): void {
  if (!mem) return;
  checkBeforeUpdate(dir, mem, 'memory.usage_in_bytes');
  const limit = mem.limit;
  // runc: an unlimited memory limit without a swap setting makes swap unlimited too
  const swap = mem.swap === undefined && limit === -1 ? -1 : mem.swap;
  const writeLimit = () => writeCgroupFile(dir, 'memory.limit_in_bytes', v1Value(limit!), `${P}/limit`);
  const writeSwap = () => writeCgroupFile(dir, 'memory.memsw.limit_in_bytes', v1Value(swap!), `${P}/swap`);
  if (limit !== undefined && swap !== undefined) {
    if (swap >= 0 && limit >= 0 && swap < limit) {
      throw new TdrunError(`${P}/swap: ${swap}`, `must be at least the memory limit ${limit} (it counts memory + swap)`);
    }
    // growing: memsw first so memory never exceeds it; shrinking: memory first
    const current = readV1Limit(dir, 'memory.limit_in_bytes');
    if (swap < 0 || current < swap) {
      writeSwap();
      writeLimit();
    } else {
      writeLimit();
      writeSwap();
    }
  } else if (limit !== undefined) {
    writeLimit();
  } else if (swap !== undefined) {
    writeSwap();
  }
  if (mem.reservation !== undefined) {
    writeCgroupFile(dir, 'memory.soft_limit_in_bytes', v1Value(mem.reservation), `${P}/reservation`);
  }
  // runc ignores it with a warning too: since Linux 5.16 the kernel accepts the write and changes
  // nothing, and engines still send it
  if (mem.kernel !== undefined) warn(`${P}/kernel: ignored: kernel memory limits are deprecated (no effect since Linux 5.16)`);
  if (mem.kernelTCP !== undefined) {
    writeCgroupFile(dir, 'memory.kmem.tcp.limit_in_bytes', v1Value(mem.kernelTCP), `${P}/kernelTCP`);
  }
  if (mem.swappiness !== undefined) {
    if (!Number.isInteger(mem.swappiness) || mem.swappiness < 0 || mem.swappiness > 100) {
      throw new TdrunError(`${P}/swappiness: ${mem.swappiness}`, 'must be between 0 and 100');
    }
    writeCgroupFile(dir, 'memory.swappiness', String(mem.swappiness), `${P}/swappiness`);
  }
  if (mem.disableOOMKiller !== undefined) {
    writeCgroupFile(dir, 'memory.oom_control', mem.disableOOMKiller ? '1' : '0', `${P}/disableOOMKiller`);
  }
  if (mem.useHierarchy !== undefined) {
    writeCgroupFile(dir, 'memory.use_hierarchy', mem.useHierarchy ? '1' : '0', `${P}/useHierarchy`);
  }
}

function v2Value(n: number): string {
  return n < 0 ? 'max' : String(n);
}

/** `limitInForce`: the memory limit an `update` that names only swap keeps (from the state). */
export function applyMemoryV2(dir: string, mem: LinuxMemory | undefined, limitInForce?: number): void {
  if (!mem) return;
  checkBeforeUpdate(dir, mem, 'memory.current');
  if (mem.swap !== undefined) {
    // v2 counts swap alone; the spec's swap is memory + swap
    const limit = mem.limit ?? limitInForce;
    let swapOnly: string;
    if (mem.swap < 0) swapOnly = 'max';
    else if (limit === undefined || limit < 0) {
      throw new TdrunError(`${P}/swap`, 'a swap limit on cgroup v2 needs a memory limit too');
    } else if (mem.swap < limit) {
      throw new TdrunError(`${P}/swap: ${mem.swap}`, `must be at least the memory limit ${limit} (it counts memory + swap)`);
    } else swapOnly = String(mem.swap - limit);
    writeCgroupFile(dir, 'memory.swap.max', swapOnly, `${P}/swap`);
  }
  if (mem.limit !== undefined) writeCgroupFile(dir, 'memory.max', v2Value(mem.limit), `${P}/limit`);
  if (mem.reservation !== undefined) writeCgroupFile(dir, 'memory.low', v2Value(mem.reservation), `${P}/reservation`);
  // as runc: v2 counts kernel memory in memory.max and has no separate limit to set
  for (const field of ['kernel', 'kernelTCP'] as const) {
    if (mem[field] !== undefined) warn(`${P}/${field}: ignored: cgroup v2 has no kernel memory limits (memory.max counts kernel memory)`);
  }
  if (mem.swappiness !== undefined) throw new TdrunError(`${P}/swappiness`, 'not available on cgroup v2');
  if (mem.disableOOMKiller) throw new TdrunError(`${P}/disableOOMKiller`, 'not available on cgroup v2');
}
