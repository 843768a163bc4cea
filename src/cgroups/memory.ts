// The memory controller. v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes (limit + swap,
// which the kernel keeps >= the memory limit at every moment, so the write order depends on the
// direction of the change), soft limit, swappiness, oom_control. v2: memory.max/low/swap.max.
import { closeSync, existsSync, read, watch } from 'node:fs';
import type { LinuxMemory } from '../spec/types.ts';
import type { OomWatch } from './index.ts';
import { native } from '../native.ts';
import { TdrunError } from '../errors.ts';
import { warn } from '../log.ts';
import { readCgroupFile, writeCgroupFile } from './fs.ts';
import { type MemoryEntry, type MemoryStats, emptyMemoryEntry, ifPresent, nz, readCounter, readKeyedCounters } from './stats.ts';

const P = '/linux/resources/memory';

function v1Value(n: number): string {
  return n < 0 ? '-1' : String(n);
}

function readV1Limit(dir: string, file: string): number {
  const n = Number(readCgroupFile(dir, file).trim());
  // the kernel reports "unlimited" as a huge page-aligned number
  return n >= 2 ** 62 ? Infinity : n;
}

/** A memory file write whose error also says what the cgroup uses now (the usual reason a limit is refused). */
function writeMemoryFile(dir: string, file: string, value: string, setting: string, usageFile: string): void {
  try {
    writeCgroupFile(dir, file, value, setting);
  } catch (err) {
    const usage = ifPresent(() => readCgroupFile(dir, usageFile).trim());
    if (usage === undefined || !(err instanceof TdrunError)) throw err;
    throw new TdrunError(`${err.message} (current usage ${usage} bytes in ${usageFile})`);
  }
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
  const writeLimit = () => writeMemoryFile(dir, 'memory.limit_in_bytes', v1Value(limit!), `${P}/limit`, 'memory.usage_in_bytes');
  const writeSwap = () => writeMemoryFile(dir, 'memory.memsw.limit_in_bytes', v1Value(swap!), `${P}/swap`, 'memory.memsw.usage_in_bytes');
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
    writeMemoryFile(dir, 'memory.swap.max', swapOnly, `${P}/swap`, 'memory.swap.current');
  }
  if (mem.limit !== undefined) writeMemoryFile(dir, 'memory.max', v2Value(mem.limit), `${P}/limit`, 'memory.current');
  if (mem.reservation !== undefined) writeCgroupFile(dir, 'memory.low', v2Value(mem.reservation), `${P}/reservation`);
  // as runc: v2 counts kernel memory in memory.max and has no separate limit to set
  for (const field of ['kernel', 'kernelTCP'] as const) {
    if (mem[field] !== undefined) warn(`${P}/${field}: ignored: cgroup v2 has no kernel memory limits (memory.max counts kernel memory)`);
  }
  // runc refuses them on v2 as well: v2 has no per-cgroup swappiness and no OOM-killer switch
  if (mem.swappiness !== undefined) throw new TdrunError(`${P}/swappiness: ${mem.swappiness}`, 'cgroup v2 has no memory.swappiness (only the global vm.swappiness)');
  if (mem.disableOOMKiller) throw new TdrunError(`${P}/disableOOMKiller`, 'cgroup v2 cannot disable the OOM killer (memory.oom.group is the nearest, in unified)');
  // v2 is always hierarchical: true is what it does anyway
  if (mem.useHierarchy === false) throw new TdrunError(`${P}/useHierarchy: false`, 'cgroup v2 accounts memory hierarchically, always');
}

/** The kernel's v1 "unlimited" (a page-aligned 2^63-1), as runc reports it. */
function v1Entry(dir: string, prefix: string): MemoryEntry {
  const entry = ifPresent(() => ({
    limit: readCounter(dir, `${prefix}limit_in_bytes`),
    usage: nz(readCounter(dir, `${prefix}usage_in_bytes`)),
    max: nz(readCounter(dir, `${prefix}max_usage_in_bytes`)),
    failcnt: readCounter(dir, `${prefix}failcnt`),
  }));
  return entry ?? emptyMemoryEntry();
}

export function memoryStatsV1(dir: string): MemoryStats {
  const raw = readKeyedCounters(dir, 'memory.stat');
  return {
    cache: nz(raw.cache ?? 0n),
    usage: v1Entry(dir, 'memory.'),
    swap: v1Entry(dir, 'memory.memsw.'),
    kernel: v1Entry(dir, 'memory.kmem.'),
    kernelTCP: v1Entry(dir, 'memory.kmem.tcp.'),
    raw,
  };
}

/** runc's v2 "unlimited": the largest uint64. */
const V2_MAX = 2n ** 64n - 1n;

export function memoryStatsV2(dir: string): MemoryStats {
  const raw = readKeyedCounters(dir, 'memory.stat');
  const events = ifPresent(() => readKeyedCounters(dir, 'memory.events')) ?? {};
  const usage = readCounter(dir, 'memory.current');
  const swapUsage = ifPresent(() => readCounter(dir, 'memory.swap.current')) ?? 0n;
  const swapLimit = ifPresent(() => readCounter(dir, 'memory.swap.max', V2_MAX)) ?? 0n;
  const limit = readCounter(dir, 'memory.max', V2_MAX);
  return {
    cache: nz(raw.file ?? 0n),
    usage: {
      limit,
      usage: nz(usage),
      max: nz(ifPresent(() => readCounter(dir, 'memory.peak')) ?? 0n),
      failcnt: events.max ?? 0n,
    },
    // runc's v2 swap is memory + swap, as the v1 memsw it stands for
    swap: { limit: swapLimit === V2_MAX || limit === V2_MAX ? V2_MAX : swapLimit + limit, usage: nz(usage + swapUsage), failcnt: events.max ?? 0n },
    kernel: emptyMemoryEntry(),
    kernelTCP: emptyMemoryEntry(),
    raw,
  };
}

/** OOM kills so far in this cgroup and below (memory.events counts the subtree). */
export function oomKillsV2(dir: string): number {
  return Number(readKeyedCounters(dir, 'memory.events').oom_kill ?? 0n);
}

/** v1: the eventfd the kernel signals at each OOM in the cgroup (and once more when the cgroup
 *  goes: told apart by memory.oom_control being gone, as runc does). */
export function watchOomV1(dir: string): OomWatch {
  const fd = native().oomEventFd(dir);
  const buffer = Buffer.alloc(8);
  return {
    async next() {
      // a blocking read on libuv's thread pool, until the kernel signals
      await new Promise<void>((resolve, reject) => read(fd, buffer, 0, 8, null, (err) => (err ? reject(err) : resolve())));
      if (!existsSync(`${dir}/memory.oom_control`)) return 0;
      return Number(buffer.readBigUInt64LE(0));
    },
    close: () => closeSync(fd),
  };
}

/** v2: memory.events changes (inotify) and its oom_kill count grows. */
export function watchOomV2(dir: string): OomWatch {
  let seen = oomKillsV2(dir);
  let changed!: Promise<void>;
  let signal = (): void => {};
  // armed before each read of the count, so a change between the read and the wait is not lost
  const arm = () => (changed = new Promise<void>((resolve) => (signal = resolve)));
  const watcher = watch(`${dir}/memory.events`, () => signal());
  // the file going away with its cgroup: the read below tells
  watcher.on('error', () => signal());
  return {
    async next() {
      for (;;) {
        arm();
        const now = ifPresent(() => oomKillsV2(dir));
        if (now === undefined) return 0;
        if (now > seen) {
          const count = now - seen;
          seen = now;
          return count;
        }
        await changed;
      }
    },
    close: () => watcher.close(),
  };
}
