// `ps`: the processes of a container, as host pids (json, what containerd parses) or a table.
import { readFileSync } from 'node:fs';
import { readRecord } from '../state/store.ts';
import { listPids } from '../cgroups/index.ts';
import { hasCgroup } from '../cgroups/rootless.ts';
import { namespaceMembers } from '../state/lifecycle.ts';

/** A stopped container has none (but for what outlived its init): an empty list, as runc prints. */
export function containerProcesses(root: string, id: string): number[] {
  const record = readRecord(root, id);
  const pids = hasCgroup(record.cgroup) || !record.membership ? listPids(record.cgroup) : namespaceMembers(record.membership.ns, record.membership.id);
  return pids.sort((a, b) => a - b);
}

interface ProcRow {
  uid: string;
  pid: number;
  ppid: string;
  cmd: string;
}

/** A process's arguments joined by spaces ("" for a kernel thread or a zombie). */
export function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
}

function procRow(pid: number): ProcRow | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '?';
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '?';
    const cmdline = commandLine(pid);
    return { uid, pid, ppid, cmd: cmdline || `[${comm}]` };
  } catch {
    // exited while we looked
    return null;
  }
}

export function processTable(pids: number[]): string {
  const rows = pids.map(procRow).filter((r): r is ProcRow => r !== null);
  const head = ['UID', 'PID', 'PPID', 'CMD'];
  const cells = [head, ...rows.map((r) => [r.uid, String(r.pid), r.ppid, r.cmd])];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c) => c.map((v, i) => (i < 3 ? v.padEnd(widths[i] + 3) : v)).join('')).join('\n') + '\n';
}
