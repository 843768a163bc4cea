// `tdrun run [create flags] [--detach] [--keep] ID`: exits with the container's status.
import { runContainer } from '../container/run.ts';
import { createOptions, type CreateArgs } from './create.ts';

export async function command(args: CreateArgs & { detach: boolean; keep: boolean }): Promise<number> {
  return runContainer({ ...createOptions(args), detach: args.detach, keep: args.keep });
}
