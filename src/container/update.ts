// `update`: change the cgroup limits of a live container (engines send a LinuxResources JSON).
import type { LinuxResources } from '../spec/types.ts';
import { readRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { requireStatus } from '../state/lifecycle.ts';
import { applyResources } from '../cgroups/index.ts';

export function updateContainer(root: string, id: string, resources: LinuxResources): void {
  const lock = lockContainer(root, id);
  try {
    const record = readRecord(root, id);
    requireStatus('update', record, ['created', 'running', 'paused']);
    applyResources(record.cgroup, resources, { update: true });
  } finally {
    lock.release();
  }
}
