// The statistics `events` prints, in runc's JSON schema (runc's types/events.go: field names;
// the optional fields are runc's `omitempty` ones, which the readers leave out when zero: nz()). Counters are bigints: the kernel's are 64-bit
// ("unlimited" memory is 2^63-4096 on v1, 2^64-1 in runc's v2 output), past a double's exact range.
import { readCgroupFile } from './fs.ts';

export interface CpuUsage {
  total?: bigint;
  percpu?: bigint[];
  percpu_kernel?: bigint[];
  percpu_user?: bigint[];
  kernel: bigint;
  user: bigint;
}

export interface CpuStats {
  usage: CpuUsage;
  throttling: { periods?: bigint; throttledPeriods?: bigint; throttledTime?: bigint };
}

export interface MemoryEntry {
  limit: bigint;
  usage?: bigint;
  max?: bigint;
  failcnt: bigint;
}

export interface MemoryStats {
  cache?: bigint;
  usage: MemoryEntry;
  swap: MemoryEntry;
  kernel: MemoryEntry;
  kernelTCP: MemoryEntry;
  raw?: Record<string, bigint>;
}

export interface PidsStats {
  current?: bigint;
  limit?: bigint;
}

export interface BlkioEntry {
  major?: bigint;
  minor?: bigint;
  op?: string;
  value?: bigint;
}

export interface BlkioStats {
  ioServiceBytesRecursive?: BlkioEntry[];
  ioServicedRecursive?: BlkioEntry[];
}

export interface HugetlbStats {
  usage?: bigint;
  max?: bigint;
  failcnt: bigint;
}

/** cpus/mems as lists of numbers, then v1's flag files by name (runc's CPUSetStats). */
export interface CpusetStats {
  cpus?: number[];
  mems?: number[];
  [flag: string]: number | number[] | undefined;
}

export interface CgroupStats {
  cpu: CpuStats;
  cpuset: CpusetStats;
  memory: MemoryStats;
  pids: PidsStats;
  blkio: BlkioStats;
  hugetlb: Record<string, HugetlbStats>;
  /** runc's Intel RDT and network statistics: tdrun has none to give (always {} and null, as runc without them) */
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

export const emptyMemoryEntry = (): MemoryEntry => ({ limit: 0n, failcnt: 0n });

export function emptyStats(): CgroupStats {
  return {
    cpu: { usage: { kernel: 0n, user: 0n }, throttling: {} },
    cpuset: {},
    memory: { usage: emptyMemoryEntry(), swap: emptyMemoryEntry(), kernel: emptyMemoryEntry(), kernelTCP: emptyMemoryEntry() },
    pids: {},
    blkio: {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** A file that holds one number ("max" reads as `max`). */
export function readCounter(dir: string, file: string, max = 0n): bigint {
  const text = readCgroupFile(dir, file).trim();
  return text === 'max' ? max : BigInt(text);
}

/** "key value" lines (memory.stat, cpu.stat, memory.events ...) as a map. */
export function readKeyedCounters(dir: string, file: string): Record<string, bigint> {
  return parseKeyed(readCgroupFile(dir, file));
}

function parseKeyed(text: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.split(' ');
    if (key && value !== undefined && /^\d+$/.test(value)) out[key] = BigInt(value);
  }
  return out;
}

/** A missing stats file (a controller this cgroup does not have) leaves its section empty, as runc's. */
export function ifPresent<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** For runc's `omitempty` fields: Go's encoding/json leaves out a zero number or an empty list. */
export function nz(value: bigint): bigint | undefined {
  return value === 0n ? undefined : value;
}

export function nonEmptyList<T>(list: T[]): T[] | undefined {
  return list.length === 0 ? undefined : list;
}

// ES2025's JSON.rawJSON (Node 21+) writes a number's digits as they are; TypeScript's lib lacks it
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** One line of runc's `events` output. */
export function eventJson(type: 'stats' | 'oom', id: string, data?: CgroupStats): string {
  return JSON.stringify({ type, id, data }, (_key, v) => (typeof v === 'bigint' ? rawJSON(v.toString()) : v));
}
