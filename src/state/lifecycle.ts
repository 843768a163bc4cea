// A container's status, worked out from the kernel on every call (never stored): the init's
// /proc entry, the exec fifo and the freezer. Cheap enough for every `state`.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cgroupManager } from '../cgroups/index.ts';
import type { ContainerStatus } from '../spec/types.ts';
import type { ContainerRecord } from './store.ts';

interface ProcStat {
  state: string;
  startTime: number;
}

function readProcStat(pid: number): ProcStat | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw err;
  }
  // comm (field 2) may contain spaces and parentheses: fields restart after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], startTime: Number(rest[22 - 3]) };
}

/** /proc/<pid>/stat field 22 (start time in clock ticks since boot), or null when there is no such process. */
/** "<dev>:<inode>" of /proc/<pid>/ns/<ns>, null when the process is gone. */
export function namespaceId(pid: number, ns: 'pid' | 'mnt'): string | null {
  try {
    const st = statSync(`/proc/${pid}/ns/${ns}`);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** The processes in the namespace `id` (a container without a cgroup, rootless: the namespace is
 *  then the one record of its processes). */
export function namespaceMembers(ns: 'pid' | 'mnt', id: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && namespaceId(pid, ns) === id) out.push(pid);
  }
  return out;
}

export function readProcStartTime(pid: number): number | null {
  return readProcStat(pid)?.startTime ?? null;
}

function frozen(record: ContainerRecord): boolean {
  return record.cgroup !== undefined && cgroupManager(record.cgroup).freezerState() === 'frozen';
}

export function currentStatus(record: ContainerRecord): ContainerStatus {
  if (!record.pid || record.pid <= 0) return 'creating';
  const stat = readProcStat(record.pid);
  // a zombie init has exited; a different start time means the pid now belongs to someone else
  if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== record.initStartTime) return 'stopped';
  if (frozen(record)) return 'paused';
  if (record.execFifo && existsSync(record.execFifo)) return 'created';
  return 'running';
}
