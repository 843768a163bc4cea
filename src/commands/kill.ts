// `tdrun kill [--all] ID [SIGNAL]` (default SIGTERM; names with or without SIG, or numbers)
import { killContainer } from '../container/kill.ts';
import { parseSignal } from '../signals.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export function command(args: Args<'kill'>, globals: Globals): void {
  killContainer(globals.root, args.id, parseSignal(args.signal ?? 'SIGTERM'), args.all);
}
