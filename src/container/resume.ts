// `resume`: thaw a paused container.
import { readRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { requireStatus } from '../state/transitions.ts';
import { thaw } from '../cgroups/index.ts';

export function resumeContainer(root: string, id: string): void {
  const lock = lockContainer(root, id);
  try {
    const record = readRecord(root, id);
    requireStatus('resume', record);
    thaw(record.cgroup);
  } finally {
    lock.release();
  }
}
