// `tdrun update [flags] ID` or `tdrun update --resources FILE|- ID` (podman passes a file, docker
// `-` with the JSON on stdin). The limit flags are runc's; both ways give a LinuxResources that
// goes through the config schema, as create's does. runc's --l3-cache-schema / --mem-bw-schema
// (linux.intelRdt) go with either.
import { checkResources, readJson } from '../spec/load.ts';
import type { LinuxResources } from '../spec/types.ts';
import { updateContainer } from '../container/update.ts';
import { TdrunError } from '../errors.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

/** runc's limit flags (update's flags but --resources and the Intel RDT ones), by argument name. */
export type UpdateFlags = Omit<Args<'update'>, 'id' | 'resources' | 'l3CacheSchema' | 'memBwSchema'>;

/** `cpuRtPeriod` -> `cpu-rt-period`, for messages */
const spelled = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/**
 * A memory size as runc reads it (docker's units.RAMInBytes): a number with an optional binary
 * unit, k/m/g/t/p, any case, optionally followed by "b" or "ib" ("32M", "1.5g", "512kb"); "-1"
 * is unlimited.
 */
export function parseMemorySize(flag: string, text: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(text);
  if (!m) throw new TdrunError(`--${flag} ${JSON.stringify(text)}`, 'not a size (a number of bytes with an optional unit k, m, g, t or p; -1 is unlimited)');
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  if (!Number.isSafeInteger(bytes)) throw new TdrunError(`--${flag} ${JSON.stringify(text)}`, 'too large');
  return bytes;
}

function parseInteger(flag: string, text: string, signed: boolean): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || (!signed && n < 0)) {
    throw new TdrunError(`--${flag} ${JSON.stringify(text)}`, `must be ${signed ? 'an' : 'a non-negative'} integer`);
  }
  return n;
}

/** The resources the flags set; the settings no flag names stay as they are. */
export function resourcesFromFlags(flags: UpdateFlags): LinuxResources {
  const r: { memory?: Record<string, number>; cpu?: Record<string, number | string>; blockIO?: { weight: number }; pids?: { limit: number } } = {};
  const set = <S extends 'memory' | 'cpu'>(section: S, field: string, value: number | string) => {
    const target = (r[section] ??= {}) as Record<string, number | string>;
    target[field] = value;
  };
  const f = (key: keyof UpdateFlags) => flags[key];
  const name = (key: keyof UpdateFlags) => spelled(key);
  for (const [key, field] of [['memory', 'limit'], ['memoryReservation', 'reservation'], ['memorySwap', 'swap']] as const) {
    const v = f(key);
    if (v !== undefined) set('memory', field, parseMemorySize(name(key), v));
  }
  for (const [key, field, signed] of [
    ['cpuPeriod', 'period', false],
    ['cpuQuota', 'quota', true],
    ['cpuShare', 'shares', false],
    ['cpuRtPeriod', 'realtimePeriod', false],
    ['cpuRtRuntime', 'realtimeRuntime', true],
  ] as const) {
    const v = f(key);
    if (v !== undefined) set('cpu', field, parseInteger(name(key), v, signed));
  }
  if (f('cpusetCpus') !== undefined) set('cpu', 'cpus', f('cpusetCpus')!);
  if (f('cpusetMems') !== undefined) set('cpu', 'mems', f('cpusetMems')!);
  if (f('blkioWeight') !== undefined) r.blockIO = { weight: parseInteger(name('blkioWeight'), f('blkioWeight')!, false) };
  if (f('pidsLimit') !== undefined) r.pids = { limit: parseInteger(name('pidsLimit'), f('pidsLimit')!, true) };
  return r as LinuxResources;
}

export async function command(args: Args<'update'>, globals: Globals): Promise<void> {
  const { id, resources, l3CacheSchema, memBwSchema, ...flags } = args;
  const rdt = { l3CacheSchema, memBwSchema };
  const given = Object.keys(flags).filter((k) => flags[k as keyof UpdateFlags] !== undefined);
  if (resources !== undefined) {
    // runc reads the file and drops the flags without a word: tdrun says so instead
    if (given.length > 0) throw new TdrunError(`--resources and --${spelled(given[0])}`, 'give the new values one way: a resources file or flags');
    const fromStdin = resources === '-';
    const name = `--resources ${fromStdin ? 'standard input' : resources}`;
    await updateContainer(globals.root, id, checkResources(readJson(fromStdin ? 0 : resources, name), name), name, rdt);
    return;
  }
  if (given.length === 0 && !l3CacheSchema && !memBwSchema) {
    throw new TdrunError('nothing to update', 'give --resources FILE|-, limit flags, --l3-cache-schema or --mem-bw-schema (tdrun update --help)');
  }
  const name = 'the flags';
  await updateContainer(globals.root, id, checkResources(resourcesFromFlags(flags), name), name, rdt);
}
