// `tdrun state ID`: the container's state as runc prints it (2-space indented JSON).
import { readRecord } from '../state/store.ts';
import { runcState } from '../container/state.ts';
import type { GlobalArgs } from './common.ts';
import { stdio } from '../stdio.ts';

export function command(args: GlobalArgs & { id: string }): void {
  stdio.out(JSON.stringify(runcState(readRecord(args.root, args.id)), null, 2) + '\n');
}
