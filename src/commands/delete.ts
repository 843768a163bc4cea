// `tdrun delete [--force] ID`
import { deleteContainer } from '../container/delete.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export async function command(args: Args<'delete'>, globals: Globals): Promise<void> {
  await deleteContainer(globals.root, args.id, args.force);
}
