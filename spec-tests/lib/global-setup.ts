// Runs once per vitest run: builds the template rootfs when the probe exists. The suites skip
// (and say why) when it could not be built.
import { existsSync, mkdirSync } from 'node:fs';
import { buildTemplate } from './bundle.ts';
import { probePath, workDir } from './runtime.ts';

export default function setup(): void {
  mkdirSync(workDir, { recursive: true });
  if (process.getuid?.() === 0 && existsSync(probePath)) buildTemplate();
}
