// The cgroup decision for a rootless container (runc's rule): use the container's cgroups when the
// caller can make and join all of them (a delegated cgroup v2 subtree: a writable cgroupsPath, or a
// systemd user slice), limits included; otherwise run without cgroups, and refuse only a config
// whose limits would then be dropped. On cgroup v1 nothing is ever
// delegated to a user: v1 has no safe delegation, so only root writes there.
import { accessSync, constants, existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { LinuxResources } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { lacksHostRoot } from '../rootless.ts';
import type { CgroupManager } from './index.ts';
import { type CgroupPlacement, UNIFIED } from './setup.ts';

/** No cgroup at all (driver "none"): nothing to make, join, limit, freeze or remove. */
const NO_CGROUP: CgroupPlacement = { paths: {}, driver: 'none' };

const NO_CGROUP_WHY = 'container has no cgroup (rootless, without a writable one)';
const nothing = (): void => {};

/** The manager of a container without cgroups: the limits were refused at create (rootlessPlacement),
 *  so there is nothing to apply; pause, update and stats have nothing to work on and say so. Its
 *  processes are found by their namespace (container/members.ts). */
export function noCgroupManager(): CgroupManager {
  const refuse = (what: string) => () => {
    throw new TdrunError(NO_CGROUP_WHY, what);
  };
  return {
    placement: NO_CGROUP,
    create: () => ({ created: [], rollback: nothing }),
    apply: () => nothing,
    update: refuse('no limits can be changed'),
    freeze: refuse('no freezer to pause it with'),
    thaw: refuse('no freezer to resume it with'),
    freezerState: () => 'thawed',
    stats: refuse('no statistics to read'),
    watchOom: () => undefined,
    pids: () => [],
    destroy: nothing,
    startUnit: async () => async () => {},
    setUnitProperties: async () => {},
    stopUnit: async () => {},
  };
}

export function hasCgroup(placement: CgroupPlacement | undefined): placement is CgroupPlacement {
  return placement !== undefined && Object.keys(placement.paths).length > 0;
}

/** Where making or joining `dir` needs write access: the cgroup's own cgroup.procs when it
 *  exists, else the closest directory above it that exists (mkdir there). */
function writableCgroupDir(dir: string): string | null {
  const target = existsSync(dir) ? posix.join(dir, 'cgroup.procs') : nearestExisting(dir);
  try {
    accessSync(target, constants.W_OK);
    return null;
  } catch {
    return target;
  }
}

function nearestExisting(dir: string): string {
  let cur = posix.dirname(dir);
  while (cur !== '/' && !existsSync(cur)) cur = posix.dirname(cur);
  return cur;
}

/** The controller each limit writes (cgroup v2: all of them are in the one hierarchy). */
const CONTROLLER_OF: Record<string, string> = {
  memory: 'memory',
  pids: 'pids',
  cpu: 'cpu',
  blockIO: 'blkio',
  hugepageLimits: 'hugetlb',
  network: 'net_cls',
  rdma: 'rdma',
  unified: UNIFIED,
};

/** The limits of `resources` that need a cgroup, as setting names. Device rules are not among
 *  them: rootless, runc ignores their failure (a user namespace cannot make device nodes, and the
 *  devices a container reaches are the host's, bind-mounted with the caller's own access), and so
 *  does tdrun (the placement's skipDevices). */
export function limitsAsked(r: LinuxResources | undefined): string[] {
  if (!r) return [];
  const asked: string[] = [];
  for (const [key, value] of Object.entries(r)) {
    if (key === 'devices' || value === undefined || value === null) continue;
    const empty = Array.isArray(value)
      ? value.length === 0
      : typeof value === 'object' && Object.values(value).every((v) => v === undefined || v === null);
    if (!empty) asked.push(key);
  }
  return asked;
}

/**
 * The placement a rootless create uses: `placement` itself when every one of its cgroups is the
 * caller's to make or join, else NO_CGROUP; a config with limits and no usable cgroup is an error
 * that names the cgroup the caller cannot write.
 */
export function rootlessPlacement(placement: CgroupPlacement, resources: LinuxResources | undefined): CgroupPlacement {
  const denied = new Map<string, string>();
  for (const [key, dir] of Object.entries(placement.paths)) {
    const where = writableCgroupDir(dir);
    if (where !== null) denied.set(key, where);
  }
  // device rules need host root (a v1 devices cgroup, a BPF program): runc ignores their failure rootless
  if (denied.size === 0) return lacksHostRoot() ? { ...placement, skipDevices: true } : placement;
  const asked = limitsAsked(resources);
  if (asked.length > 0) {
    const controller = CONTROLLER_OF[asked[0]];
    const key = [...denied.keys()].find((k) => k === controller || k.split(',').includes(controller));
    const where = denied.get(key ?? [...denied.keys()][0]);
    throw new TdrunError(
      `/linux/resources/${asked[0]}`,
      `cannot be applied rootless: ${where} is not writable by uid ${process.geteuid?.()}, so the container gets no cgroup; ` +
        'limits need a delegated cgroup v2 subtree as cgroupsPath',
    );
  }
  return NO_CGROUP;
}
