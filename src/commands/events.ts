// `tdrun events [--stats] [--interval D] ID`: the container's resource statistics and OOM kills,
// one JSON object a line (runc's schema).
import { parseGoDuration, watchEvents } from '../container/events.ts';
import type { GlobalArgs } from './common.ts';
import { stdio } from '../stdio.ts';

export async function command(args: GlobalArgs & { id: string; stats: boolean; interval: string }): Promise<void> {
  const intervalMs = parseGoDuration(args.interval);
  await watchEvents(args.root, args.id, { once: args.stats, intervalMs }, (line) => stdio.out(line + '\n'));
}
