// `tdrun delete [--force] ID`
import { deleteContainer } from '../container/delete.ts';
import type { GlobalArgs } from './common.ts';

export async function command(args: GlobalArgs & { id: string; force: boolean }): Promise<void> {
  await deleteContainer(args.root, args.id, args.force);
}
