// `tdrun list [--format table|json] [--quiet]`
import { listContainers, listTable } from '../container/list.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';
import { stdio } from '../stdio.ts';

export function command(args: Args<'list'>, globals: Globals): void {
  const states = listContainers(globals.root);
  if (args.quiet) stdio.out(states.map((s) => `${s.id}\n`).join(''));
  else if (args.format === 'json') stdio.out(JSON.stringify(states) + '\n');
  else stdio.out(listTable(states));
}
