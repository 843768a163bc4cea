// `tdrun ps [--format table|json] ID [ps options...]`; json is the array of host pids containerd
// parses, table is ps(1)'s output (with the options given) cut down to the container's processes.
import { containerProcesses, processTable } from '../container/ps.ts';
import { TdrunError } from '../errors.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';
import { stdio } from '../stdio.ts';

export function command(args: Args<'ps'>, globals: Globals): void {
  const options = args.psOptions;
  // runc drops them without a word; json has no columns to choose
  if (args.format === 'json' && options.length > 0) throw new TdrunError(`ps options ${options.join(' ')}`, 'only go with --format table');
  const pids = containerProcesses(globals.root, args.id);
  stdio.out(args.format === 'json' ? JSON.stringify(pids) + '\n' : processTable(pids, options));
}
