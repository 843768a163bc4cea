// `list`: every container under the root with its current status.
import { listIds, readRecord } from '../state/store.ts';
import { runcState, type RuncState } from './state.ts';

export function listContainers(root: string): RuncState[] {
  const states: RuncState[] = [];
  for (const id of listIds(root)) {
    try {
      states.push(runcState(readRecord(root, id)));
    } catch {
      // a container being created or deleted right now has no complete record to show
    }
  }
  return states;
}

/** runc's tabwriter layout: columns at least 12 wide, 3 spaces of padding. */
export function listTable(states: RuncState[]): string {
  const head = ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'];
  const rows = states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(12, ...all.map((r) => r[i].length + 3)));
  return all.map((r) => r.map((v, i) => (i < r.length - 1 ? v.padEnd(widths[i]) : v)).join('')).join('\n') + '\n';
}
