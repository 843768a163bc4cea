// `kill`: a signal to the init, or with --all to every process in the container's cgroups that
// belongs to the container.
import { readRecord } from '../state/store.ts';
import { requireStatus } from '../state/transitions.ts';
import { thaw } from '../cgroups/index.ts';
import { containerPids } from './members.ts';

function send(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // a process that exits between listing and signalling is not an error
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function killContainer(root: string, id: string, signal: number, all: boolean): void {
  const record = readRecord(root, id);
  const status = requireStatus(all ? 'kill --all' : 'kill', record);
  // currentStatus checked the init's start time, so this pid is still our init, not a reused one
  if (!all) send(record.pid, signal);
  else for (const pid of containerPids(record, status !== 'stopped')) send(pid, signal);
  // frozen tasks (v1 freezer) only act on SIGKILL once thawed: runc thaws too, so that a paused
  // container being killed ends up stopped, the init alone or all of it
  if (status === 'paused' && signal === 9) thaw(record.cgroup);
}
