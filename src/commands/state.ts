// `tdrun state ID`: the container's state as runc prints it (2-space indented JSON).
import { readRecord } from '../state/store.ts';
import { runcState } from '../container/state.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';
import { stdio } from '../stdio.ts';

export function command(args: Args<'state'>, globals: Globals): void {
  stdio.out(JSON.stringify(runcState(readRecord(globals.root, args.id)), null, 2) + '\n');
}
