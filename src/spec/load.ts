// Reading config.json (and an exec's process.json): parse, validate against the schema compiled
// at build time, run the cross-field rules; every failure is one line naming the JSON pointer.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { projectRoot } from '../paths.ts';
import { TdrunError, errnoText } from '../errors.ts';
import { warn } from '../log.ts';
import { checkRules, processRules, type Problem, type RuleContext } from './rules.ts';
import type { Process, Spec } from './types.ts';

/** Written by `npm run build:js` (src/build/build.ts) from src/spec/schema.ts. */
export const validatorPath = resolve(projectRoot, 'build/generated/config-validator.cjs');

interface SchemaError {
  instancePath: string;
  message?: string;
}
type Validator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

let validator: Validator | undefined;

function validate(data: unknown): SchemaError | null {
  if (!validator) {
    try {
      // a runtime require (not bundled), so the bundle and vitest-from-source load the same file
      validator = createRequire(validatorPath)(validatorPath) as Validator;
    } catch (err) {
      throw new TdrunError(`config validator ${validatorPath}`, `${(err as Error).message} (run npm run build:js)`);
    }
  }
  return validator(data) ? null : (validator.errors?.[0] ?? { instancePath: '', message: 'is invalid' });
}

function readJson(path: string, name: string): object {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TdrunError(name, code ? errnoText(code) : String(err));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TdrunError(name, `invalid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TdrunError(name, 'must be an object');
  return value;
}

function where(name: string, pointer: string): string {
  return pointer ? `${name} ${pointer}` : name;
}

/** Prints the warnings; throws the first error. */
function report(name: string, problems: Problem[]): void {
  for (const p of problems) if (p.warning) warn(`${where(name, p.pointer)}: ${p.message}`);
  const error = problems.find((p) => !p.warning);
  if (error) throw new TdrunError(where(name, error.pointer), error.message);
}

/** Checks a parsed config.json; `name` is what messages call it. */
export function checkConfig(value: unknown, ctx: RuleContext = { noPivot: false }, name = 'config.json'): Spec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TdrunError(name, 'must be an object');
  const error = validate(value);
  if (error) throw new TdrunError(where(name, error.instancePath), error.message ?? 'is invalid');
  const spec = value as Spec;
  report(name, checkRules(spec, ctx));
  return spec;
}

export function loadConfig(bundle: string, ctx: RuleContext = { noPivot: false }): Spec {
  return checkConfig(readJson(join(bundle, 'config.json'), 'config.json'), ctx);
}

/** A runtime-spec Process (`tdrun exec --process FILE`), checked as config.json's process is. */
export function checkProcess(value: unknown, name: string): Process {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TdrunError(name, 'must be an object');
  const error = validate({ ociVersion: '1.3.0', process: value });
  if (error) {
    throw new TdrunError(where(name, error.instancePath.replace(/^\/process/, '')), error.message ?? 'is invalid');
  }
  const process = value as Process;
  const problems = processRules(process).map((p) => ({ ...p, pointer: p.pointer.replace(/^\/process/, '') }));
  report(name, problems);
  return process;
}

export function loadProcess(path: string): Process {
  return checkProcess(readJson(path, path), path);
}
