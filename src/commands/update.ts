// `tdrun update --resources FILE|- ID` (podman passes a file, docker `-` with the JSON on stdin).
import { checkResources, readJson } from '../spec/load.ts';
import { updateContainer } from '../container/update.ts';
import type { GlobalArgs } from './common.ts';

export async function command(args: GlobalArgs & { id: string; resources: string }): Promise<void> {
  const fromStdin = args.resources === '-';
  const name = `--resources ${fromStdin ? 'standard input' : args.resources}`;
  await updateContainer(args.root, args.id, checkResources(readJson(fromStdin ? 0 : args.resources, name), name), name);
}
