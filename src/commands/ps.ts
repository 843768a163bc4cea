// `tdrun ps [--format table|json] ID`; json is the array of host pids containerd parses.
import { containerProcesses, processTable } from '../container/ps.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';
import { stdio } from '../stdio.ts';

export function command(args: Args<'ps'>, globals: Globals): void {
  const pids = containerProcesses(globals.root, args.id);
  stdio.out(args.format === 'json' ? JSON.stringify(pids) + '\n' : processTable(pids));
}
