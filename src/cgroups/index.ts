// The cgroup manager: the only door to a container's cgroups. Code outside src/cgroups asks a
// CgroupManager and never reads or writes cgroup files itself, so that each driver (cgroupfs v1,
// v2, hybrid; systemd) keeps its own rules about where each controller lives.
import type { LinuxResources, Spec } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { type CgroupPlacement, detectCgroups, resolvePlacement } from './setup.ts';
import { cgroupfsManager } from './cgroupfs.ts';
import { resolveSystemdPlacement, systemdManager } from './systemd.ts';
import { noCgroupManager } from './rootless.ts';
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
 *   every file the update wrote gets its old value back, and the error is rethrown. Returns what
 *   puts the old values back, for when `setUnitProperties` fails after it.
 * - **startUnit(pid, resources) / setUnitProperties(changes, inForce) / stopUnit()**: for drivers
 *   whose cgroups belong to a unit of another process (systemd's transient scope, reached over
 *   D-Bus: hence async), which the cgroupfs driver does not have (it does nothing there).
 *   `startUnit` runs before `create`, with `pid` (tdrun-init) as the unit's first member (a scope
 *   cannot start empty), and returns what stops the unit again; `setUnitProperties` runs after
 *   `update`'s files; `stopUnit` before `destroy`, and waits until the unit is gone.
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
  update(changes: LinuxResources, inForce: LinuxResources | undefined, commit: () => void): () => void;
  freeze(): void;
  thaw(): void;
  freezerState(): FreezerState;
  stats(): CgroupStats;
  watchOom(): OomWatch | undefined;
  pids(): number[];
  destroy(): void;
  startUnit(pid: number, resources: LinuxResources | undefined): Promise<() => Promise<void>>;
  setUnitProperties(changes: LinuxResources, inForce: LinuxResources | undefined): Promise<void>;
  stopUnit(): Promise<void>;
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
  if (driver === 'systemd') return systemdManager(placement);
  if (driver === 'none') return noCgroupManager();
  throw new TdrunError(`cgroup driver ${JSON.stringify(driver)}`, 'not supported by this tdrun');
}

/**
 * Where a new container's cgroups go: runc's cgroupfs rules for `cgroupsPath` (setup.ts), or with
 * `systemd` (--systemd-cgroup) its "slice:prefix:name" rules and the config's
 * org.systemd.property.* annotations (systemd.ts). The manager it returns has made nothing yet:
 * `startUnit` and `create` do.
 */
export function placeContainer(spec: Spec, id: string, systemd: boolean): CgroupManager {
  const cgroupsPath = spec.linux?.cgroupsPath;
  if (systemd) return cgroupManager(resolveSystemdPlacement(detectCgroups(), cgroupsPath, id, spec.annotations));
  return cgroupManager(resolvePlacement(detectCgroups(), cgroupsPath, id));
}
