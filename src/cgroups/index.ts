// The cgroup manager: the only door to a container's cgroups. Code outside src/cgroups asks a
// CgroupManager and never reads or writes cgroup files itself, so that each driver (cgroupfs v1,
// v2, hybrid; systemd) keeps its own rules about where each controller lives.
import type { LinuxResources } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { type CgroupPlacement, detectCgroups, resolvePlacement } from './setup.ts';
import { cgroupfsManager } from './cgroupfs.ts';
import type { CgroupStats } from './stats.ts';

export { type CgroupPlacement, detectCgroups, UNIFIED } from './setup.ts';
export type { CgroupStats } from './stats.ts';

/** What `create` made, and how to take it back. */
export interface CreatedCgroups {
  /** the directories this call made, parents before children */
  created: string[];
  /** removes what this call made (leaf first), nothing that existed before */
  rollback(): void;
}

export type FreezerState = 'thawed' | 'frozen';

/** OOM notifications of one cgroup, as the kernel gives them (see memory.ts's watchers). */
export interface OomWatch {
  /** Resolves with the number of OOM events since the last call once there is at least one, or
   *  with 0 when the cgroup is gone (nothing more will come). */
  next(): Promise<number>;
  close(): void;
}

/**
 * One container's cgroups, whatever the driver. The contract every driver keeps:
 *
 * - **Placement**: a manager is made by `cgroupManager(placement)` from a `CgroupPlacement`, a
 *   plain JSON value that the state record stores (`record.cgroup`), so that every later command
 *   gets the same manager back. `placement.driver` picks the driver: absent (or "cgroupfs") is
 *   the cgroupfs driver, v1, v2 or hybrid after the hierarchies in `placement.paths`; a driver
 *   with other needs (systemd: its unit name) adds fields of its own beside `driver`.
 *   `placement.paths` always holds every hierarchy key -> absolute cgroup directory: tdrun-init
 *   joins those directories (src/plan.ts), whichever driver made them.
 * - **create(resources)**: makes the cgroups, enabling on cgroup v2 only the controllers that
 *   `resources` need (v2's no-internal-process rule makes any other enabling a failure risk).
 *   Returns what removes exactly what it made. On failure it throws a TdrunError and leaves
 *   nothing behind. It writes no limit.
 * - **apply(resources)**: writes every limit of a fresh container. A setting it cannot apply
 *   throws a TdrunError naming the JSON pointer (`/linux/resources/...`), the file and the value;
 *   nothing is silently ignored (only what runc itself ignores, with a warning). Returns what
 *   undoes the part that removing the cgroups would not (the v2 device program attached to a
 *   cgroup that existed before); the caller removes the cgroups for the rest.
 * - **update(changes, inForce, commit)**: `changes` holds only the settings to change (absent
 *   means unchanged, devices included); `inForce` is the resources in force before (the state
 *   record's), for settings that depend on another (v2 swap = memory+swap - memory). All or
 *   nothing: when a write, or `commit` (run last, inside: it stores the new state), throws,
 *   every file the update wrote gets its old value back, and the error is rethrown.
 * - **freeze() / thaw()**: return once the kernel reports the state settled; a freeze that
 *   cannot settle thaws again and throws. **freezerState()**: "thawed" too when the cgroup is
 *   gone (nothing is frozen then).
 * - **stats()**: runc's `events` statistics (src/cgroups/stats.ts), read from the kernel now.
 * - **watchOom()**: the kernel's OOM notifications for the container's memory cgroup (v1: an
 *   eventfd on memory.oom_control; v2: inotify on memory.events' oom_kill); undefined where
 *   there is no memory controller.
 * - **pids()**: every process in the container's cgroup and its sub-cgroups (unsorted).
 * - **destroy()**: removes the cgroups (sub-cgroups the container made too), waiting for dying
 *   tasks; a cgroup that stays busy throws, after trying every hierarchy.
 */
export interface CgroupManager {
  readonly placement: CgroupPlacement;
  create(resources?: LinuxResources): CreatedCgroups;
  apply(resources: LinuxResources | undefined): () => void;
  update(changes: LinuxResources, inForce: LinuxResources | undefined, commit: () => void): void;
  freeze(): void;
  thaw(): void;
  freezerState(): FreezerState;
  stats(): CgroupStats;
  watchOom(): OomWatch | undefined;
  pids(): number[];
  destroy(): void;
}

/**
 * The manager of cgroups that `placement` (a state record's `cgroup`) describes. A new driver
 * adds its `driver` value here. One that only makes the cgroups differently (systemd: a transient
 * scope through D-Bus, limits as unit properties) can hand the rest (stats, freezer, pids, the
 * files systemd has no property for) to `cgroupfsManager(placement)` from ./cgroupfs.ts, as
 * runc's systemd driver does with its fs managers.
 */
export function cgroupManager(placement: CgroupPlacement): CgroupManager {
  const driver = placement.driver ?? 'cgroupfs';
  if (driver === 'cgroupfs') return cgroupfsManager(placement);
  throw new TdrunError(`cgroup driver ${JSON.stringify(driver)}`, 'not supported by this tdrun');
}

/**
 * Where a new container's cgroups go: runc's cgroupfs rules for `cgroupsPath` (setup.ts). The
 * manager it returns has made nothing yet: `create` does. (`--systemd-cgroup` is refused before
 * any command runs, in src/cli.ts; the systemd driver chooses its placement here.)
 */
export function placeContainer(cgroupsPath: string | undefined, id: string): CgroupManager {
  return cgroupManager(resolvePlacement(detectCgroups(), cgroupsPath, id));
}
