// `tdrun start ID`
import { startContainer } from '../container/start.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export async function command(args: Args<'start'>, globals: Globals): Promise<void> {
  await startContainer(globals.root, args.id);
}
