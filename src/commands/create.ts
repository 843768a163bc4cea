// `tdrun create [--bundle DIR] [--console-socket S] [--pid-file F] [--preserve-fds N] [--no-pivot]
// [--no-new-keyring] ID`
import { createContainer } from '../container/create.ts';
import { createOptions } from './common.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export async function command(args: Args<'create'>, globals: Globals): Promise<void> {
  await createContainer({ ...createOptions(args, globals), ownConsole: false, startAtOnce: false });
}
