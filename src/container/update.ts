// `update`: change the cgroup limits of a live container. Engines send a LinuxResources and mean
// it as runc reads it: docker sends every field, with 0 for what the user did not change (a
// `docker update --cpus 0.5` carries `memory.limit: 0`), so a 0 where runc takes it as "unset"
// leaves the setting as it is, and the obsolete kernel memory limits are ignored with a warning.
// All or nothing: a write that fails puts back what the update had already changed.
import type { IntelRdt, LinuxResources } from '../spec/types.ts';
import { updateSchemata } from './intel-rdt.ts';
import { readRecord, writeRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { requireStatus } from '../state/transitions.ts';
import { applyResources } from '../cgroups/index.ts';
import { hasCgroup } from '../cgroups/rootless.ts';
import { lacksHostRoot } from '../rootless.ts';
import { allOrNothing } from '../cgroups/fs.ts';
import { warn } from '../log.ts';
import { TdrunError } from '../errors.ts';

type Section = Record<string, unknown>;

/** The settings runc's cgroup drivers skip when they are 0 (or "" for the cpuset lists). */
const ZERO_IS_UNSET: Record<string, readonly string[]> = {
  memory: ['limit', 'reservation', 'swap'],
  cpu: ['shares', 'quota', 'period', 'realtimeRuntime', 'realtimePeriod', 'cpus', 'mems'],
  blockIO: ['weight', 'leafWeight'],
  pids: ['limit'],
};

/** What the update really changes; `name` is what messages call the input. */
function changesOf(resources: LinuxResources, name: string): LinuxResources {
  const changes = structuredClone(resources) as Record<string, Section | undefined>;
  for (const [section, fields] of Object.entries(ZERO_IS_UNSET)) {
    const values = changes[section];
    if (values) for (const field of fields) if (values[field] === 0 || values[field] === '') delete values[field];
  }
  const memory = changes.memory;
  for (const field of ['kernel', 'kernelTCP']) {
    if (memory?.[field] === undefined) continue;
    if (memory[field] !== 0) warn(`${name} /memory/${field}: ignored, as runc does (kernel memory limits are obsolete; Linux 5.16+ ignores them)`);
    delete memory[field];
  }
  return changes as LinuxResources;
}

function isSection(value: unknown): value is Section {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The per-device lists of blockIO replace the entries of the devices they name and keep the others. */
function mergeDeviceLists(old: unknown, changed: unknown): unknown {
  if (!Array.isArray(old) || !Array.isArray(changed)) return changed;
  const same = (a: Section, b: Section) => a.major === b.major && a.minor === b.minor;
  return [...old.filter((o) => !changed.some((c) => same(o, c))), ...changed];
}

/** `inForce` with `changes` on top: what the container's cgroups hold after the update. */
function merged(inForce: LinuxResources | undefined, changes: LinuxResources): LinuxResources {
  const out = structuredClone(inForce ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    const old = out[key];
    if (!isSection(old) || !isSection(value)) {
      out[key] = value;
      continue;
    }
    const section: Section = { ...old };
    for (const [field, v] of Object.entries(value)) section[field] = key === 'blockIO' ? mergeDeviceLists(old[field], v) : v;
    out[key] = section;
  }
  return out as LinuxResources;
}

/** `rdt`: new linux.intelRdt schemata lines (--l3-cache-schema, --mem-bw-schema), applied first
 *  and put back when the cgroup part fails. */
export function updateContainer(
  root: string,
  id: string,
  resources: LinuxResources,
  name: string,
  rdt: Pick<IntelRdt, 'l3CacheSchema' | 'memBwSchema'> = {},
): void {
  const lock = lockContainer(root, id);
  try {
    const record = readRecord(root, id);
    requireStatus('update', record);
    const changes = changesOf(resources, name);
    if (!hasCgroup(record.cgroup)) throw new TdrunError('container has no cgroup (rootless, without a writable one): no limits can be changed');
    const restoreSchemata = updateSchemata(record.intelRdt, rdt);
    try {
      allOrNothing(() => {
        applyResources(record.cgroup, changes, { update: true, inForce: record.resources, skipDevices: record.rootless && lacksHostRoot() });
        // inside: a state that cannot be written undoes the cgroup changes too
        writeRecord(root, { ...record, resources: merged(record.resources, changes) });
      });
    } catch (err) {
      restoreSchemata();
      throw err;
    }
  } finally {
    lock.release();
  }
}
