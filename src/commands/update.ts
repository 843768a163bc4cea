// `tdrun update --resources FILE|- ID` (podman passes a file, docker `-` with the JSON on stdin).
import { checkResources, readJson } from '../spec/load.ts';
import { updateContainer } from '../container/update.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

export function command(args: Args<'update'>, globals: Globals): void {
  const fromStdin = args.resources === '-';
  const name = `--resources ${fromStdin ? 'standard input' : args.resources}`;
  updateContainer(globals.root, args.id, checkResources(readJson(fromStdin ? 0 : args.resources, name), name), name);
}
