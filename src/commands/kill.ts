// `tdrun kill [--all] ID [SIGNAL]` (default SIGTERM; names with or without SIG, or numbers)
import { killContainer } from '../container/kill.ts';
import { parseSignal } from '../signals.ts';
import type { GlobalArgs } from './common.ts';

export function command(args: GlobalArgs & { id: string; signal?: string; all: boolean }): void {
  killContainer(args.root, args.id, parseSignal(args.signal ?? 'SIGTERM'), args.all);
}
