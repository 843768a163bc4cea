// `tdrun update --resources FILE|- ID` (podman passes a file, docker `-` with the JSON on stdin),
// and runc's --l3-cache-schema / --mem-bw-schema for linux.intelRdt.
import { checkResources, readJson } from '../spec/load.ts';
import { updateContainer } from '../container/update.ts';
import { TdrunError } from '../errors.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export function command(args: Args<'update'>, globals: Globals): void {
  const rdt = { l3CacheSchema: args.l3CacheSchema, memBwSchema: args.memBwSchema };
  if (args.resources === undefined) {
    if (!rdt.l3CacheSchema && !rdt.memBwSchema) throw new TdrunError('update needs --resources, --l3-cache-schema or --mem-bw-schema');
    updateContainer(globals.root, args.id, {}, 'update', rdt);
    return;
  }
  const fromStdin = args.resources === '-';
  const name = `--resources ${fromStdin ? 'standard input' : args.resources}`;
  updateContainer(globals.root, args.id, checkResources(readJson(fromStdin ? 0 : args.resources, name), name), name, rdt);
}
