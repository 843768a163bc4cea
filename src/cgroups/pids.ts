// The pids controller: pids.max (v1 and v2 share the file).
import type { LinuxPids } from '../spec/types.ts';
import { writeCgroupFile } from './fs.ts';
import { type PidsStats, nz, readCounter } from './stats.ts';

export function applyPids(dir: string, pids: LinuxPids | undefined): void {
  // runc treats 0 as "not set" (only a positive limit or a negative "unlimited" is written)
  if (!pids || !pids.limit) return;
  writeCgroupFile(dir, 'pids.max', pids.limit > 0 ? String(pids.limit) : 'max', '/linux/resources/pids/limit');
}

export function pidsStats(dir: string): PidsStats {
  // "max" is no limit, which runc's stats leave out (0)
  return { current: nz(readCounter(dir, 'pids.current')), limit: nz(readCounter(dir, 'pids.max')) };
}
