// `tdrun spec [--bundle DIR] [--rootless] [--hardened]`: write a starting config.json, refusing
// to overwrite.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TdrunError } from '../errors.ts';
import { warn } from '../log.ts';
import { defaultSpec } from '../spec/default-config.ts';
import { hardenedSpec } from '../spec/hardened.ts';
import type { Args } from './table.ts';

export function command(args: Args<'spec'>): void {
  const bundle = resolve(args.bundle ?? '.');
  const path = join(bundle, 'config.json');
  let spec = defaultSpec({ rootless: args.rootless });
  if (args.hardened) {
    const rootfs = resolve(bundle, spec.root!.path);
    spec = hardenedSpec(spec, rootfs);
    if (spec.process!.user!.uid === 0) warn(`--hardened: ${rootfs}/etc/passwd has no non-root user: the process runs as root`);
  }
  try {
    writeFileSync(path, JSON.stringify(spec, null, '\t') + '\n', { flag: 'wx', mode: 0o666 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new TdrunError(`${path} exists`, 'remove it first');
    throw err;
  }
}
