// `tdrun delete [--force] ID`
import { deleteContainer } from '../container/delete.ts';
import { markThinCall } from '../code-cache.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export async function command(args: Args<'delete'>, globals: Globals): Promise<void> {
  // an id already gone ran too little of delete for its code cache (src/code-cache.ts)
  if (!(await deleteContainer(globals.root, args.id, args.force))) markThinCall();
}
