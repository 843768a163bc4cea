// `list`: every container under the root with its current status.
import { readFileSync, statSync } from 'node:fs';
import { containerDir, listIds, readRecord } from '../state/store.ts';
import { runcState, type RuncState } from './state.ts';

/** The user name of a uid from /etc/passwd, or runc's "#<uid>" when it has none. */
export function userName(uid: number, passwd: string): string {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && Number(fields[2]) === uid && fields[2] !== '') return fields[0];
  }
  return `#${uid}`;
}

export function listContainers(root: string): RuncState[] {
  const states: RuncState[] = [];
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // every owner is then shown as #uid
  }
  for (const id of listIds(root)) {
    try {
      // runc's OWNER: whoever owns the container's state directory
      const uid = statSync(containerDir(root, id)).uid;
      states.push(runcState(readRecord(root, id), undefined, userName(uid, passwd)));
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
