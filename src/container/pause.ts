// `pause`: freeze every process of the container (cgroup freezer).
import { readRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { requireStatus } from '../state/transitions.ts';
import { freeze } from '../cgroups/index.ts';
import { hasCgroup } from '../cgroups/rootless.ts';
import { TdrunError } from '../errors.ts';

export function pauseContainer(root: string, id: string): void {
  const lock = lockContainer(root, id);
  try {
    const record = readRecord(root, id);
    requireStatus('pause', record);
    if (!hasCgroup(record.cgroup)) throw new TdrunError('container has no cgroup (rootless, without a writable one): no freezer to pause it with');
    freeze(record.cgroup);
  } finally {
    lock.release();
  }
}
