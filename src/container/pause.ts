// `pause`: freeze every process of the container (cgroup freezer).
import { readRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { requireStatus } from '../state/transitions.ts';
import { freeze } from '../cgroups/index.ts';

export function pauseContainer(root: string, id: string): void {
  const lock = lockContainer(root, id);
  try {
    const record = readRecord(root, id);
    requireStatus('pause', record);
    freeze(record.cgroup);
  } finally {
    lock.release();
  }
}
