// Runs once per vitest run: writes the config validator, builds the template rootfs when the
// probe exists, and installs uidmap for the rootless user's id ranges (here, before any suite
// runs, rather than beside the engines' install). The suites skip (and say why) when the
// template could not be built; rootless-user.ts says why when uidmap is missing.
import { existsSync, mkdirSync } from 'node:fs';
import { writeConfigValidator } from '../../src/build/validator.ts';
import { buildTemplate } from './bundle.ts';
import { ensurePackages } from './packages.ts';
import { probePath, workDir } from './runtime.ts';

export default function setup(): void {
  // unit tests import the validator (src/spec/load.ts): the one of the schema as it is now
  writeConfigValidator();
  mkdirSync(workDir, { recursive: true });
  if (process.getuid?.() !== 0) return;
  if (existsSync(probePath)) buildTemplate();
  const why = ensurePackages(['uidmap'], ['newuidmap', 'newgidmap']);
  if (why) process.stderr.write(`spec-tests: ${why}: the rootless suites will fail\n`);
}
