// Which processes are the container's: what kill --all signals and delete kills.
import { warn } from '../log.ts';
import type { ContainerRecord } from '../state/store.ts';
import { namespaceId, namespaceMembers } from '../state/lifecycle.ts';
import { listPids } from '../cgroups/index.ts';
import { hasCgroup } from '../cgroups/rootless.ts';

/** Every live process of the container: the init (it may sit in a cgroup placement that lists it
 *  late, or in none at all) and the cgroup's processes that are in the container's namespace.
 *  A cgroup is no proof of membership: two containers may share one cgroupsPath, and a state
 *  file's cgroup paths may have been edited; others found there are named and left alone. */
export function containerPids(record: ContainerRecord, initAlive: boolean): number[] {
  const pids = new Set<number>();
  const foreign: number[] = [];
  // without a cgroup (rootless), the namespace is the one record of its processes
  const listed = hasCgroup(record.cgroup) || !record.membership ? listPids(record.cgroup) : namespaceMembers(record.membership.ns, record.membership.id);
  for (const pid of listed) {
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
