// `tdrun events [--stats] [--interval D] ID`: the container's resource statistics and OOM kills,
// one JSON object a line (runc's schema).
import { parseGoDuration, watchEvents } from '../container/events.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';
import { stdio } from '../stdio.ts';

export async function command(args: Args<'events'>, globals: Globals): Promise<void> {
  const intervalMs = parseGoDuration(args.interval);
  await watchEvents(globals.root, args.id, { once: args.stats, intervalMs }, (line) => stdio.out(line + '\n'));
}
