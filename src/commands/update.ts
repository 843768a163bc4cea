// `tdrun update --resources FILE|- ID` (podman passes a file, docker `-` with the JSON on stdin).
import { readFileSync } from 'node:fs';
import { TdrunError } from '../errors.ts';
import type { LinuxResources } from '../spec/types.ts';
import { updateContainer } from '../container/update.ts';
import type { GlobalArgs } from './common.ts';

export function command(args: GlobalArgs & { id: string; resources: string }): void {
  const name = args.resources === '-' ? 'standard input' : args.resources;
  let text: string;
  try {
    text = readFileSync(args.resources === '-' ? 0 : args.resources, 'utf8');
  } catch (err) {
    throw new TdrunError(`--resources ${name}`, (err as Error).message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TdrunError(`--resources ${name}`, `invalid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TdrunError(`--resources ${name}`, 'must be an object');
  updateContainer(args.root, args.id, parsed as LinuxResources);
}
