// `tdrun start ID`
import { startContainer } from '../container/start.ts';
import type { GlobalArgs } from './common.ts';

export async function command(args: GlobalArgs & { id: string }): Promise<void> {
  await startContainer(args.root, args.id);
}
