// `tdrun run [create flags] [--detach] [--keep] ID`: exits with the container's status.
import { runContainer } from '../container/run.ts';
import { createOptions } from './common.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export async function command(args: Args<'run'>, globals: Globals): Promise<number> {
  return runContainer({ ...createOptions(args, globals), detach: args.detach, keep: args.keep });
}
