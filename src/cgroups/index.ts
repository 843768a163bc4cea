// The cgroup manager: create, place, limit, freeze and remove a container's cgroups in every
// hierarchy (all v1 ones, named ones such as name=systemd, and the unified one), like runc's
// cgroupfs driver. Controllers live one per file beside this one.
import { mkdirSync, readdirSync, rmdirSync, existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { LinuxResources } from '../spec/types.ts';
import { TdrunError, describe } from '../errors.ts';
import { readCgroupFile, sleepMs, writeCgroupFile } from './fs.ts';
import { type CgroupPlacement, UNIFIED, detectCgroups, dirFor, isPureV2 } from './setup.ts';
import { applyDevicesV1, applyDevicesV2 } from './devices.ts';
import { applyMemoryV1, applyMemoryV2 } from './memory.ts';
import { applyPids } from './pids.ts';
import { applyCpuV1, applyCpuV2 } from './cpu.ts';
import { applyCpuset, inheritCpusetV1 } from './cpuset.ts';
import { applyBlkioV1 } from './blkio.ts';
import { readFrozen, setFrozen } from './freezer.ts';

export { type CgroupPlacement, type CgroupSetup, detectCgroups, resolvePlacement, UNIFIED } from './setup.ts';

export interface CreatedCgroups {
  /** the directories this call made, parents before children */
  created: string[];
  /** removes what this call made (leaf first), nothing that existed before */
  rollback(): void;
}

function mountpointOf(key: string): string {
  const h = detectCgroups().hierarchies.find((x) => x.key === key);
  if (!h) throw new TdrunError(`cgroup hierarchy ${key} is not mounted`);
  return h.mountpoint;
}

/**
 * The cgroup2 controllers whose files these limits write. Only they get enabled on the way down:
 * enabling any controller in a cgroup that holds processes fails with EBUSY (a runtime started
 * from such a cgroup, with a relative cgroupsPath, could create nothing), and each enabled
 * controller costs accounting at every level. Device rules need none (a BPF program), nor does
 * the freezer (cgroup.freeze is core).
 */
export function v2ControllersFor(r: LinuxResources | undefined): string[] {
  if (!r) return [];
  const needed = new Set<string>();
  const m = r.memory;
  if (m && (has(m.limit) || has(m.reservation) || has(m.swap))) needed.add('memory');
  if (r.pids?.limit) needed.add('pids');
  if (r.cpu) {
    const { cpus, mems, ...rest } = r.cpu;
    if (cpus || mems) needed.add('cpuset');
    if (Object.values(rest).some((v) => has(v) && v !== 0)) needed.add('cpu');
  }
  for (const file of Object.keys(r.unified ?? {})) {
    const controller = file.split('.')[0];
    if (controller !== 'cgroup' && file.includes('.')) needed.add(controller);
  }
  return [...needed];
}

/** v2 only lets a child use a controller its parent enabled in cgroup.subtree_control. */
function enableV2Controllers(parent: string, needed: readonly string[]): void {
  const enabled = new Set(readCgroupFile(parent, 'cgroup.subtree_control').split(/\s+/).filter(Boolean));
  // a controller the parent lacks stays off: the limit's own write then names the missing file
  const available = new Set(readCgroupFile(parent, 'cgroup.controllers').split(/\s+/).filter(Boolean));
  const enable = needed.filter((c) => available.has(c) && !enabled.has(c));
  if (enable.length > 0) writeCgroupFile(parent, 'cgroup.subtree_control', enable.map((c) => `+${c}`).join(' '));
}

/** Enables `needed` in every cgroup2 level above `dir`, top down (a level can only enable what its
 *  parent enabled). */
function enableV2ControllersAbove(dir: string, needed: readonly string[]): void {
  if (needed.length === 0) return;
  let parent = mountpointOf(UNIFIED);
  for (const part of posix.relative(parent, posix.dirname(dir)).split('/').filter(Boolean)) {
    enableV2Controllers(parent, needed);
    parent = posix.join(parent, part);
  }
  enableV2Controllers(parent, needed);
}

/** `resources`: the limits about to be applied, so that cgroup2 gets just their controllers. */
export function createCgroups(placement: CgroupPlacement, resources?: LinuxResources): CreatedCgroups {
  const created: string[] = [];
  const result: CreatedCgroups = {
    created,
    rollback() {
      for (const dir of [...created].reverse()) removeDir(dir);
    },
  };
  try {
    for (const [key, dir] of Object.entries(placement.paths)) {
      const mountpoint = mountpointOf(key);
      // recursive mkdir says which directory it made first (the rest of the path below it is
      // ours too) and throws nothing for parents that exist: the first fs error a process
      // throws costs ~0.1 ms
      const first = mkdirSync(dir, { recursive: true, mode: 0o755 });
      if (first !== undefined) {
        let cur = first;
        created.push(cur);
        for (const part of posix.relative(first, dir).split('/').filter(Boolean)) created.push((cur = posix.join(cur, part)));
      }
      // on hybrid hosts the limits go to the v1 hierarchies: the unified one needs no controller
      if (key === UNIFIED && isPureV2(placement)) enableV2ControllersAbove(dir, v2ControllersFor(resources));
      if (key.split(',').includes('cpuset')) inheritCpusetV1(mountpoint, dir);
    }
    // runc's check: the init would stop on joining a frozen cgroup (one that existed frozen, or a
    // new one below a frozen parent), and `create`/`run` wait for it forever
    if (frozenAlready(placement)) throw new TdrunError("container's cgroup unexpectedly frozen");
  } catch (err) {
    result.rollback();
    throw err instanceof TdrunError ? err : new TdrunError('create cgroups', describe(err));
  }
  return result;
}

function frozenAlready(placement: CgroupPlacement): boolean {
  const v1 = dirFor(placement, 'freezer');
  if (v1) return readFrozen(v1, false);
  const unified = placement.paths[UNIFIED];
  try {
    return unified !== undefined && readFrozen(unified, true);
  } catch (err) {
    // the root cgroup has no cgroup.events, and cannot be frozen
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export interface ApplyOptions {
  /** `update`: settings absent from `resources` keep their current values (devices included) */
  update?: boolean;
  /** `update`: the resources in force before it (from the state), for settings that depend on another */
  inForce?: LinuxResources;
  /** rootless without host root: device rules are not applied, whatever they say (src/cgroups/rootless.ts says why) */
  skipDevices?: boolean;
}

function need(placement: CgroupPlacement, controller: string, setting: string): string {
  const dir = dirFor(placement, controller);
  if (!dir) throw new TdrunError(setting, `no ${controller} cgroup hierarchy is mounted`);
  return dir;
}

function has<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null;
}

function nonEmpty(value: object | undefined | null): boolean {
  if (!value) return false;
  return Object.values(value).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null));
}

const NOTHING_TO_UNDO = (): void => {};

/**
 * Returns what undoes the part that removing a cgroup would not take along if the cgroup existed
 * before (a failed create in a shared cgroupsPath): the device program attached on cgroup v2.
 */
export function applyResources(placement: CgroupPlacement, resources: LinuxResources | undefined, opts: ApplyOptions = {}): () => void {
  const r = resources ?? {};
  const R = '/linux/resources';
  if (r.hugepageLimits && r.hugepageLimits.length > 0) throw new TdrunError(`${R}/hugepageLimits`, 'not supported by tdrun yet');
  if (nonEmpty(r.network)) throw new TdrunError(`${R}/network`, 'not supported by tdrun yet (no net_cls/net_prio handling)');
  if (r.rdma && Object.keys(r.rdma).length > 0) throw new TdrunError(`${R}/rdma`, 'not supported by tdrun yet');

  if (isPureV2(placement)) {
    const dir = placement.paths[UNIFIED];
    // create enabled what its limits needed; an update may bring limits of other controllers
    if (opts.update) enableV2ControllersAbove(dir, v2ControllersFor(r));
    if (nonEmpty(r.blockIO)) throw new TdrunError(`${R}/blockIO`, 'not supported by tdrun on cgroup v2 yet');
    applyMemoryV2(dir, r.memory ?? undefined, opts.inForce?.memory?.limit);
    applyPids(dir, r.pids ?? undefined);
    applyCpuV2(dir, r.cpu ?? undefined);
    applyCpuset(dir, r.cpu ?? undefined);
    for (const [file, value] of Object.entries(r.unified ?? {})) {
      if (file.includes('/') || file.startsWith('.') || !file.includes('.')) {
        throw new TdrunError(`${R}/unified/${file}`, 'not a cgroup file name');
      }
      writeCgroupFile(dir, file, value, `${R}/unified/${file}`);
    }
    // last: a failure above leaves no program behind in a cgroup that create did not make
    if (!opts.skipDevices && (!opts.update || has(r.devices))) return applyDevicesV2(dir, r.devices ?? undefined, opts.update ?? false) ?? NOTHING_TO_UNDO;
    return NOTHING_TO_UNDO;
  }

  if (r.unified && Object.keys(r.unified).length > 0) {
    throw new TdrunError(`${R}/unified`, 'needs a cgroup v2 host (this one uses cgroup v1 controllers)');
  }
  if (!opts.skipDevices && (!opts.update || has(r.devices))) applyDevicesV1(need(placement, 'devices', `${R}/devices`), r.devices ?? undefined);
  if (nonEmpty(r.memory)) applyMemoryV1(need(placement, 'memory', `${R}/memory`), r.memory!);
  if (r.pids && r.pids.limit) applyPids(need(placement, 'pids', `${R}/pids`), r.pids);
  if (r.cpu) {
    const { cpus, mems, ...rest } = r.cpu;
    if (nonEmpty(rest)) applyCpuV1(need(placement, 'cpu', `${R}/cpu`), rest);
    if (cpus || mems) applyCpuset(need(placement, 'cpuset', `${R}/cpu/cpus`), { cpus, mems });
  }
  if (nonEmpty(r.blockIO)) applyBlkioV1(need(placement, 'blkio', `${R}/blockIO`), r.blockIO!);
  return NOTHING_TO_UNDO;
}

function freezerDir(placement: CgroupPlacement): { dir: string; v2: boolean } {
  const dir = dirFor(placement, 'freezer');
  if (dir) return { dir, v2: false };
  const unified = placement.paths[UNIFIED];
  if (unified && existsSync(posix.join(unified, 'cgroup.freeze'))) return { dir: unified, v2: true };
  throw new TdrunError('no freezer cgroup is available');
}

export function freeze(placement: CgroupPlacement): void {
  const { dir, v2 } = freezerDir(placement);
  setFrozen(dir, v2, true);
}

export function thaw(placement: CgroupPlacement): void {
  const { dir, v2 } = freezerDir(placement);
  setFrozen(dir, v2, false);
}

/** False when the cgroup is gone (nothing frozen is left). */
export function isFrozen(placement: CgroupPlacement): boolean {
  const { dir, v2 } = freezerDir(placement);
  try {
    return readFrozen(dir, v2);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function collectPids(dir: string, out: number[]): void {
  let entries;
  try {
    for (const line of readCgroupFile(dir, 'cgroup.procs').split('\n')) if (line) out.push(Number(line));
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) collectPids(posix.join(dir, e.name), out);
}

/** Every process in the container's cgroup and its sub-cgroups (the freezer one: what pause and kill --all act on). */
export function listPids(placement: CgroupPlacement): number[] {
  const dir =
    dirFor(placement, 'freezer') ?? dirFor(placement, 'devices') ?? dirFor(placement, 'pids') ??
    placement.paths[UNIFIED] ?? Object.values(placement.paths)[0];
  const out: number[] = [];
  if (dir) collectPids(dir, out);
  return out;
}

const RMDIR_TRIES = 200;

/** rmdir a cgroup and any sub-cgroups the container made, retrying while dying tasks leave. */
function removeDir(dir: string): void {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= RMDIR_TRIES) throw new TdrunError(`remove cgroup ${dir}`, describe(err));
      // busy: sub-cgroups the container made (listed only now, as most containers make none),
      // or tasks that are still leaving
      if (i === 0) removeSubCgroups(dir);
      else sleepMs(i < 10 ? 1 : 10);
    }
  }
}

function removeSubCgroups(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new TdrunError(`remove cgroup ${dir}`, describe(err));
  }
  for (const e of entries) if (e.isDirectory()) removeDir(posix.join(dir, e.name));
}

export function removeCgroups(placement: CgroupPlacement): void {
  const errors: string[] = [];
  // try every hierarchy even when one fails, so one busy cgroup does not leave all the others
  for (const dir of Object.values(placement.paths)) {
    try {
      removeDir(dir);
    } catch (err) {
      errors.push(describe(err));
    }
  }
  if (errors.length > 0) throw new TdrunError(errors.join('; '));
}
