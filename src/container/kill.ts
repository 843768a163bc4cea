// `kill`: a signal to the init, or with --all to every process in the container's cgroups that
// belongs to the container.
import { TdrunError } from '../errors.ts';
import { warn } from '../log.ts';
import { readRecord, type ContainerRecord } from '../state/store.ts';
import { currentStatus, namespaceId, namespaceMembers } from '../state/lifecycle.ts';
import { hasCgroup } from '../cgroups/rootless.ts';
import { listPids, thaw } from '../cgroups/index.ts';

function send(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // a process that exits between listing and signalling is not an error
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Every live process of the container: the init (it may sit in a cgroup placement that lists it
 *  late, or in none at all) and the cgroup's processes that are in the container's namespace.
 *  A cgroup is no proof of membership: two containers may share one cgroupsPath, and a state
 *  file's cgroup paths may have been edited; others found there are named and left alone. */
export function containerPids(record: ContainerRecord, initAlive: boolean): number[] {
  const pids = new Set<number>();
  const foreign: number[] = [];
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

export function killContainer(root: string, id: string, signal: number, all: boolean): void {
  const record = readRecord(root, id);
  const status = currentStatus(record);
  // --all of a stopped one signals what outlived its init, and is no error: containerd's shim sends
  // `kill --all ID 9` after the init exited, and runc exits 0 for it
  if (status === 'stopped' && !all) throw new TdrunError('container not running');
  if (status === 'creating') throw new TdrunError('container is still being created');
  // currentStatus checked the init's start time, so this pid is still our init, not a reused one
  if (!all) send(record.pid, signal);
  else for (const pid of containerPids(record, status !== 'stopped')) send(pid, signal);
  // frozen tasks (v1 freezer) only act on SIGKILL once thawed: runc thaws too, so that a paused
  // container being killed ends up stopped, the init alone or all of it
  if (status === 'paused' && signal === 9) thaw(record.cgroup);
}
