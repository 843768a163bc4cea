// Compiles the config.json JSON schema (src/spec/schema.ts) into standalone CommonJS validator
// code at build time, so no call of tdrun loads or compiles ajv.
import { mkdirSync } from 'node:fs';
import { writeFileAtomically } from '../atomic-file.ts';
import { dirname, resolve } from 'node:path';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { projectRoot } from '../paths.ts';
import { configSchema } from '../spec/schema.ts';

/** Where package.json's "imports" finds `#config-validator` (src/spec/config-validator.d.ts). */
const configValidatorPath = resolve(projectRoot, 'build/generated/config-validator.cjs');

/** Writes the validator from the schema as it is now (the build, and vitest's global setup). */
export function writeConfigValidator(): void {
  mkdirSync(dirname(configValidatorPath), { recursive: true });
  writeFileAtomically(configValidatorPath, compileConfigValidator());
}

export function compileConfigValidator(): string {
  // inlineRefs off: each definition a function of its own, compiled by V8 only when called
  // (the sections most configs leave out, src/spec/schema.ts)
  const ajv = new Ajv({ code: { source: true, esm: false }, allErrors: false, strict: false, inlineRefs: false });
  const validate = ajv.compile(configSchema);
  return trimErrorObjects(standaloneCode(ajv, validate));
}

/**
 * tdrun reports an error's instancePath and message only (src/spec/load.ts); ajv's schemaPath,
 * keyword and params fill a quarter of the code that every create, run and exec loads and
 * deserializes, so they go. An ajv whose output no longer matches these patterns fails the build.
 */
export function trimErrorObjects(code: string): string {
  const trimmed = code
    .replace(/,schemaPath:"[^"]*"/g, '')
    .replace(/,keyword:"[^"]*"/g, '')
    .replace(/,params:\{[^{}]*\}/g, '');
  const left = trimmed.match(/schemaPath:|keyword:|params:/);
  if (left) throw new Error(`config validator: ajv wrote an error object this build cannot trim (${left[0]})`);
  return trimmed;
}
