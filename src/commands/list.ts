// `tdrun list [--format table|json] [--quiet]`
import { listContainers, listTable } from '../container/list.ts';
import type { GlobalArgs } from './common.ts';

export function command(args: GlobalArgs & { format: 'table' | 'json'; quiet: boolean }): void {
  const states = listContainers(args.root);
  if (args.quiet) process.stdout.write(states.map((s) => `${s.id}\n`).join(''));
  else if (args.format === 'json') process.stdout.write(JSON.stringify(states) + '\n');
  else process.stdout.write(listTable(states));
}
