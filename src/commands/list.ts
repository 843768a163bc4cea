// `tdrun list [--format table|json] [--quiet]`
import { listContainers, listTable } from '../container/list.ts';
import type { GlobalArgs } from './common.ts';
import { stdio } from '../stdio.ts';

export function command(args: GlobalArgs & { format: 'table' | 'json'; quiet: boolean }): void {
  const states = listContainers(args.root);
  if (args.quiet) stdio.out(states.map((s) => `${s.id}\n`).join(''));
  else if (args.format === 'json') stdio.out(JSON.stringify(states) + '\n');
  else stdio.out(listTable(states));
}
