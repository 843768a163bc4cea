// `tdrun spec [--bundle DIR] [--rootless]`: write a starting config.json, refusing to overwrite.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TdrunError } from '../errors.ts';
import { defaultSpec } from '../spec/default-config.ts';
import type { Args } from './table.ts';

export function command(args: Args<'spec'>): void {
  const path = join(resolve(args.bundle ?? '.'), 'config.json');
  try {
    writeFileSync(path, JSON.stringify(defaultSpec({ rootless: args.rootless }), null, '\t') + '\n', { flag: 'wx', mode: 0o666 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new TdrunError(`${path} exists`, 'remove it first');
    throw err;
  }
}
