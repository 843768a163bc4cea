// Compiles the config.json JSON schema (src/spec/schema.ts) into standalone CommonJS validator
// code at build time, so no call of tdrun loads or compiles ajv.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { configSchema } from '../spec/schema.ts';

export function compileConfigValidator(): string {
  const ajv = new Ajv({ code: { source: true, esm: false }, allErrors: false, strict: false });
  const validate = ajv.compile(configSchema);
  return standaloneCode(ajv, validate);
}
