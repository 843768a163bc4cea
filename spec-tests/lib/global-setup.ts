// Runs once per vitest run: writes the config validator and builds the template rootfs when the
// probe exists. The suites skip (and say why) when it could not be built.
import { existsSync, mkdirSync } from 'node:fs';
import { writeConfigValidator } from '../../src/build/validator.ts';
import { buildTemplate } from './bundle.ts';
import { probePath, workDir } from './runtime.ts';

export default function setup(): void {
  // unit tests import the validator (src/spec/load.ts): the one of the schema as it is now
  writeConfigValidator();
  mkdirSync(workDir, { recursive: true });
  if (process.getuid?.() === 0 && existsSync(probePath)) buildTemplate();
}
