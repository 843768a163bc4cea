// The cgroupfs driver, as runc's: tdrun makes the cgroup directories and writes the controller
// files itself. One driver for three layouts, told apart by the placement's hierarchies:
// - v1: a hierarchy per controller (or per group of controllers), no cgroup2 mount;
// - v2: only the unified hierarchy, every controller in it;
// - hybrid: v1 hierarchies plus a cgroup2 mount (/sys/fs/cgroup/unified) that holds the
//   controllers no v1 hierarchy has (hugetlb on this build machine). Each controller is used
//   where it lives: its v1 hierarchy if it has one, else the unified one with v2's files.
import { mkdirSync, readdirSync, rmdirSync, existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { LinuxResources } from '../spec/types.ts';
import { TdrunError, describe } from '../errors.ts';
import type { CgroupManager, CreatedCgroups, FreezerState, OomWatch } from './index.ts';
import { allOrNothing, readCgroupFile, sleepMs, writeCgroupFile } from './fs.ts';
import { type CgroupPlacement, UNIFIED, detectCgroups, dirFor } from './setup.ts';
import { applyDevicesV1, applyDevicesV2 } from './devices.ts';
import { applyMemoryV1, applyMemoryV2, memoryStatsV1, memoryStatsV2, watchOomV1, watchOomV2 } from './memory.ts';
import { applyPids, pidsStats } from './pids.ts';
import { applyCpuV1, applyCpuV2, cpuStatsV1, cpuStatsV2 } from './cpu.ts';
import { applyCpuset, cpusetStats, inheritCpusetV1 } from './cpuset.ts';
import { applyBlkioV1, applyBlkioV2, blkioStatsV1, blkioStatsV2 } from './blkio.ts';
import { applyHugetlb, hugetlbStats } from './hugetlb.ts';
import { applyNetClassId, applyNetPriorities } from './network.ts';
import { applyRdma } from './rdma.ts';
import { applyUnified, unifiedKeyController } from './unified.ts';
import { readFrozen, setFrozen } from './freezer.ts';
import { type CgroupStats, emptyStats, ifPresent } from './stats.ts';

const R = '/linux/resources';

export type Layout = 'v1' | 'v2' | 'hybrid';

export function layoutOf(placement: CgroupPlacement): Layout {
  const keys = Object.keys(placement.paths);
  if (!keys.includes(UNIFIED)) return 'v1';
  return keys.length === 1 ? 'v2' : 'hybrid';
}

/** Where one controller's files are for this container. */
interface Site {
  dir: string;
  v2: boolean;
}

function mountpointOf(key: string): string {
  const h = detectCgroups().hierarchies.find((x) => x.key === key);
  if (!h) throw new TdrunError(`cgroup hierarchy ${key} is not mounted`);
  return h.mountpoint;
}

function has<T>(value: T | undefined | null): value is T {
  return value !== undefined && value !== null;
}

function nonEmpty(value: object | undefined | null): boolean {
  if (!value) return false;
  return Object.values(value).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null));
}

/**
 * The controllers whose files these limits write. On cgroup2 only they get enabled on the way
 * down: enabling any controller in a cgroup that holds processes fails with EBUSY (a runtime
 * started from such a cgroup, with a relative cgroupsPath, could create nothing), and each
 * enabled controller costs accounting at every level. Device rules need none (a BPF program),
 * nor does the freezer (cgroup.freeze is core).
 */
export function controllersFor(r: LinuxResources | undefined): string[] {
  if (!r) return [];
  const needed = new Set<string>();
  const m = r.memory;
  if (m && [m.limit, m.reservation, m.swap, m.swappiness, m.disableOOMKiller, m.useHierarchy].some(has)) needed.add('memory');
  if (r.pids?.limit) needed.add('pids');
  if (r.cpu) {
    const { cpus, mems, ...rest } = r.cpu;
    if (cpus || mems) needed.add('cpuset');
    if (Object.values(rest).some((v) => has(v) && v !== 0)) needed.add('cpu');
  }
  if (nonEmpty(r.blockIO)) needed.add('io');
  if (r.hugepageLimits?.length) needed.add('hugetlb');
  if (r.rdma && Object.keys(r.rdma).length > 0) needed.add('rdma');
  for (const file of Object.keys(r.unified ?? {})) {
    const controller = unifiedKeyController(file);
    if (controller) needed.add(controller);
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

const NOTHING_TO_UNDO = (): void => {};

class CgroupfsManager implements CgroupManager {
  readonly layout: Layout;
  private unifiedControllers?: Set<string>;

  constructor(readonly placement: CgroupPlacement) {
    this.layout = layoutOf(placement);
  }

  /** What the unified mount offers (on hybrid hosts: what no v1 hierarchy took). */
  private offeredByUnified(): Set<string> {
    this.unifiedControllers ??= new Set(readCgroupFile(mountpointOf(UNIFIED), 'cgroup.controllers').split(/\s+/).filter(Boolean));
    return this.unifiedControllers;
  }

  /** v1 names the controller of v2's io files blkio. */
  private site(controller: string): Site | undefined {
    const v1 = dirFor(this.placement, controller === 'io' ? 'blkio' : controller);
    if (v1) return { dir: v1, v2: false };
    const unified = this.placement.paths[UNIFIED];
    if (unified === undefined) return undefined;
    if (this.layout === 'v2' || this.offeredByUnified().has(controller)) return { dir: unified, v2: true };
    return undefined;
  }

  private need(controller: string, setting: string): Site {
    const site = this.site(controller);
    if (site) return site;
    const where = this.layout === 'v1' ? 'no v1 hierarchy has it' : 'neither a v1 hierarchy nor the cgroup2 mount has it';
    throw new TdrunError(setting, `this host has no ${controller} cgroup controller (${where})`);
  }

  /** The controllers of `r` that live in the unified hierarchy here. */
  private unifiedNeeds(r: LinuxResources | undefined): string[] {
    if (this.layout === 'v1') return [];
    return controllersFor(r).filter((c) => this.site(c)?.v2);
  }

  create(resources?: LinuxResources): CreatedCgroups {
    const created: string[] = [];
    const result: CreatedCgroups = {
      created,
      rollback() {
        for (const dir of [...created].reverse()) removeDir(dir);
      },
    };
    try {
      for (const [key, dir] of Object.entries(this.placement.paths)) {
        // recursive mkdir says which directory it made first (the rest of the path below it is
        // ours too) and throws nothing for parents that exist (bench/README.md: a thrown fs
        // error is not free)
        const first = mkdirSync(dir, { recursive: true, mode: 0o755 });
        if (first !== undefined) {
          let cur = first;
          created.push(cur);
          for (const part of posix.relative(first, dir).split('/').filter(Boolean)) created.push((cur = posix.join(cur, part)));
        }
        if (key === UNIFIED) enableV2ControllersAbove(dir, this.unifiedNeeds(resources));
        if (key.split(',').includes('cpuset')) inheritCpusetV1(mountpointOf(key), dir);
      }
      // runc's check: the init would stop on joining a frozen cgroup (one that existed frozen, or a
      // new one below a frozen parent), and `create`/`run` wait for it forever
      if (this.freezerState() === 'frozen') throw new TdrunError("container's cgroup unexpectedly frozen");
    } catch (err) {
      result.rollback();
      throw err instanceof TdrunError ? err : new TdrunError('create cgroups', describe(err));
    }
    return result;
  }

  apply(resources: LinuxResources | undefined): () => void {
    return this.write(resources ?? {}, false, undefined);
  }

  update(changes: LinuxResources, inForce: LinuxResources | undefined, commit: () => void): () => void {
    return allOrNothing(() => {
      // create enabled what its limits needed; an update may bring limits of other controllers
      const unified = this.placement.paths[UNIFIED];
      if (unified !== undefined) enableV2ControllersAbove(unified, this.unifiedNeeds(changes));
      this.write(changes, true, inForce);
      commit();
    });
  }

  /** Every setting of `r`, each in the hierarchy its controller lives in. */
  private write(r: LinuxResources, update: boolean, inForce: LinuxResources | undefined): () => void {
    if (r.memory && nonEmpty(r.memory)) {
      const s = this.need('memory', `${R}/memory`);
      if (s.v2) applyMemoryV2(s.dir, r.memory, inForce?.memory?.limit);
      else applyMemoryV1(s.dir, r.memory);
    }
    if (r.pids?.limit) applyPids(this.need('pids', `${R}/pids`).dir, r.pids);
    if (r.cpu) {
      const { cpus, mems, ...rest } = r.cpu;
      if (nonEmpty(rest)) {
        const s = this.need('cpu', `${R}/cpu`);
        if (s.v2) applyCpuV2(s.dir, rest);
        else applyCpuV1(s.dir, rest);
      }
      if (cpus || mems) applyCpuset(this.need('cpuset', `${R}/cpu/${cpus ? 'cpus' : 'mems'}`).dir, { cpus, mems });
    }
    if (nonEmpty(r.blockIO)) {
      const s = this.need('io', `${R}/blockIO`);
      if (s.v2) applyBlkioV2(s.dir, r.blockIO!);
      else applyBlkioV1(s.dir, r.blockIO!);
    }
    (r.hugepageLimits ?? []).forEach((limit, i) => {
      const s = this.need('hugetlb', `${R}/hugepageLimits/${i}`);
      applyHugetlb(s.dir, s.v2, limit, `${R}/hugepageLimits/${i}`);
    });
    if (nonEmpty(r.network)) this.writeNetwork(r);
    if (r.rdma && Object.keys(r.rdma).length > 0) applyRdma(this.need('rdma', `${R}/rdma`).dir, r.rdma);
    if (r.unified && Object.keys(r.unified).length > 0) this.writeUnified(r.unified);
    // devices last: on v2 a failure above leaves no program behind in a cgroup that create did not make
    if (this.placement.skipDevices || (update && !has(r.devices))) return NOTHING_TO_UNDO;
    const devicesV1 = dirFor(this.placement, 'devices');
    if (devicesV1) {
      applyDevicesV1(devicesV1, r.devices ?? undefined);
      return NOTHING_TO_UNDO;
    }
    if (this.layout === 'v2') return applyDevicesV2(this.placement.paths[UNIFIED], r.devices ?? undefined, update) ?? NOTHING_TO_UNDO;
    throw new TdrunError(`${R}/devices`, 'this host has no devices cgroup controller, and its cgroup2 mount is not the only hierarchy');
  }

  /** net_cls and net_prio are v1 only: cgroup v2 has no such controllers (eBPF replaced them). */
  private writeNetwork(r: LinuxResources): void {
    const why = this.layout === 'v2' ? 'cgroup v2 has no net_cls/net_prio controllers' : undefined;
    const net = r.network!;
    if (has(net.classID)) {
      const dir = dirFor(this.placement, 'net_cls');
      if (!dir) throw new TdrunError(`${R}/network/classID`, why ?? 'this host has no net_cls cgroup hierarchy mounted');
      applyNetClassId(dir, net.classID);
    }
    if (net.priorities && net.priorities.length > 0) {
      const dir = dirFor(this.placement, 'net_prio');
      if (!dir) throw new TdrunError(`${R}/network/priorities`, why ?? 'this host has no net_prio cgroup hierarchy mounted');
      applyNetPriorities(dir, net.priorities);
    }
  }

  /** Raw cgroup2 files: anywhere on v2; on hybrid, the files of controllers the unified mount holds. */
  private writeUnified(files: Record<string, string>): void {
    const dir = this.placement.paths[UNIFIED];
    if (this.layout === 'v1' || dir === undefined) {
      throw new TdrunError(`${R}/unified`, 'needs cgroup v2 (this host has no cgroup2 mount)');
    }
    if (this.layout === 'hybrid') {
      for (const file of Object.keys(files)) {
        const controller = unifiedKeyController(file);
        if (!controller || !this.offeredByUnified().has(controller)) {
          const offered = [...this.offeredByUnified()].join(', ') || 'none';
          throw new TdrunError(
            `${R}/unified/${file}`,
            `on this hybrid host the cgroup2 mount only holds the controllers ${offered} (the others are cgroup v1 here)`,
          );
        }
      }
    }
    applyUnified(dir, files);
  }

  private freezer(): Site | undefined {
    const v1 = dirFor(this.placement, 'freezer');
    if (v1) return { dir: v1, v2: false };
    // cgroup.freeze is core cgroup2 (no controller to enable), in every non-root cgroup
    const unified = this.placement.paths[UNIFIED];
    if (unified !== undefined && (this.layout === 'v2' || existsSync(`${unified}/cgroup.freeze`))) return { dir: unified, v2: true };
    return undefined;
  }

  private needFreezer(): Site {
    const s = this.freezer();
    if (!s) throw new TdrunError('no freezer cgroup is available (no v1 freezer hierarchy, no cgroup2 mount)');
    return s;
  }

  freeze(): void {
    const { dir, v2 } = this.needFreezer();
    setFrozen(dir, v2, true);
  }

  thaw(): void {
    const { dir, v2 } = this.needFreezer();
    setFrozen(dir, v2, false);
  }

  freezerState(): FreezerState {
    const s = this.freezer();
    if (!s) return 'thawed';
    try {
      return readFrozen(s.dir, s.v2) ? 'frozen' : 'thawed';
    } catch (err) {
      // gone (nothing is frozen), or the root cgroup, which has no cgroup.events and cannot freeze
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'thawed';
      throw err;
    }
  }

  stats(): CgroupStats {
    const stats = emptyStats();
    const memory = this.site('memory');
    if (memory) stats.memory = ifPresent(() => (memory.v2 ? memoryStatsV2(memory.dir) : memoryStatsV1(memory.dir))) ?? stats.memory;
    const cpu = this.site('cpu');
    const cpuacct = dirFor(this.placement, 'cpuacct');
    if (cpu?.v2) stats.cpu = ifPresent(() => cpuStatsV2(cpu.dir)) ?? stats.cpu;
    else if (cpu || cpuacct) stats.cpu = ifPresent(() => cpuStatsV1(cpuacct, cpu?.dir)) ?? stats.cpu;
    const cpuset = this.site('cpuset');
    if (cpuset) stats.cpuset = ifPresent(() => cpusetStats(cpuset.dir, cpuset.v2)) ?? stats.cpuset;
    const pids = this.site('pids');
    if (pids) stats.pids = ifPresent(() => pidsStats(pids.dir)) ?? stats.pids;
    const io = this.site('io');
    if (io) stats.blkio = ifPresent(() => (io.v2 ? blkioStatsV2(io.dir) : blkioStatsV1(io.dir))) ?? stats.blkio;
    const hugetlb = this.site('hugetlb');
    if (hugetlb) stats.hugetlb = ifPresent(() => hugetlbStats(hugetlb.dir, hugetlb.v2)) ?? stats.hugetlb;
    return stats;
  }

  watchOom(): OomWatch | undefined {
    const memory = this.site('memory');
    if (!memory) return undefined;
    return memory.v2 ? watchOomV2(memory.dir) : watchOomV1(memory.dir);
  }

  pids(): number[] {
    // the freezer's cgroup first: what pause and kill --all act on
    const dir =
      dirFor(this.placement, 'freezer') ?? dirFor(this.placement, 'devices') ?? dirFor(this.placement, 'pids') ??
      this.placement.paths[UNIFIED] ?? Object.values(this.placement.paths)[0];
    const out: number[] = [];
    if (dir) collectPids(dir, out);
    return out;
  }

  destroy(): void {
    const errors: string[] = [];
    // try every hierarchy even when one fails, so one busy cgroup does not leave all the others
    for (const dir of Object.values(this.placement.paths)) {
      try {
        removeDir(dir);
      } catch (err) {
        errors.push(describe(err));
      }
    }
    if (errors.length > 0) throw new TdrunError(errors.join('; '));
  }

  // tdrun makes and removes the cgroups itself: no unit of another process owns them
  async startUnit(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async setUnitProperties(): Promise<void> {}

  async stopUnit(): Promise<void> {}
}

export function cgroupfsManager(placement: CgroupPlacement): CgroupManager {
  return new CgroupfsManager(placement);
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
