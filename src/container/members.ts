// Which processes are the container's: what kill --all signals and delete kills.
import { warn } from '../log.ts';
import type { ContainerRecord } from '../state/store.ts';
import { namespaceId, namespaceMembers } from '../state/lifecycle.ts';
import { cgroupManager } from '../cgroups/index.ts';
import { hasCgroup } from '../cgroups/rootless.ts';

/** The processes the container's cgroup holds; without a cgroup (rootless, none writable) those in
 *  its namespace, the one record of them then. */
export function listedPids(record: ContainerRecord): number[] {
  if (hasCgroup(record.cgroup) || !record.membership) return cgroupManager(record.cgroup).pids();
  return namespaceMembers(record.membership.ns, record.membership.id);
}

/** Every live process of the container: the init (it may sit in a cgroup placement that lists it
 *  late, or in none at all) and the cgroup's processes that are in the container's namespace.
 *  A cgroup is no proof of membership: two containers may share one cgroupsPath, and a state
 *  file's cgroup paths may have been edited; others found there are named and left alone. */
export function containerPids(record: ContainerRecord, initAlive: boolean): number[] {
  const pids = new Set<number>();
  const foreign: number[] = [];
  for (const pid of listedPids(record)) {
    const ns = record.membership ? namespaceId(pid, record.membership.ns) : null;
    if (!record.membership || ns === record.membership.id) pids.add(pid);
    else if (ns !== null) foreign.push(pid);
  }
  if (foreign.length > 0) {
    const which = record.membership?.ns === 'pid' ? 'pid' : 'mount';
    warn(`left alone: pid ${foreign.join(', ')} (in the container's cgroup but not in its ${which} namespace)`);
  }
  // pid 0 (a record of a create still in progress) would mean our own process group
  if (initAlive && record.pid > 0) pids.add(record.pid);
  return [...pids];
}
