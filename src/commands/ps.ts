// `tdrun ps [--format table|json] ID`; json is the array of host pids containerd parses.
import { containerProcesses, processTable } from '../container/ps.ts';
import type { GlobalArgs } from './common.ts';
import { stdio } from '../stdio.ts';

export function command(args: GlobalArgs & { id: string; format: 'table' | 'json' }): void {
  const pids = containerProcesses(args.root, args.id);
  stdio.out(args.format === 'json' ? JSON.stringify(pids) + '\n' : processTable(pids));
}
