// Reading config.json (and an exec's process.json): parse, validate against the schema compiled
// at build time, run the cross-field rules; every failure is one line naming the JSON pointer.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { projectRoot, v8CacheDir } from '../paths.ts';
import { writeCodeCache } from '../code-cache.ts';
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

/** V8 code caches of the validator live beside the bundle's (src/launcher.ts). */
export const validatorCachePrefix = join(v8CacheDir, 'config-validator-');

let validator: Validator | undefined;
/** set while the code cache is missing or was rejected: writes one once the validator ran */
let persistCache: (() => void) | undefined;

function writeCache(path: string, data: Buffer): void {
  if (!writeCodeCache(path, data)) return;
  // caches of earlier builds of the validator are dead weight
  try {
    for (const name of readdirSync(v8CacheDir)) {
      const other = join(v8CacheDir, name);
      if (other.startsWith(validatorCachePrefix) && other !== path && name.endsWith('.bin')) rmSync(other, { force: true });
    }
  } catch {
    // another call pruned them first
  }
}

/**
 * The validator is one ~180 KB function that V8 compiles lazily, on its first call (5-10 ms).
 * Node's compile cache holds only what was compiled eagerly, so this loads it through a V8 code
 * cache made after a call, which has the compiled body (the first call then costs ~0.3 ms).
 * The cache is named after the validator's size and mtime; V8 itself rejects a cache from
 * another V8 version or flag set (the launcher's flags for create/run/exec, a --cpu-prof run),
 * and then a fresh one is written.
 */
function loadValidator(): Validator {
  let source: string;
  let cachePath: string;
  try {
    const st = statSync(validatorPath);
    cachePath = `${validatorCachePrefix}${st.size}-${Math.trunc(st.mtimeMs)}.bin`;
    source = readFileSync(validatorPath, 'utf8');
  } catch (err) {
    throw new TdrunError(`config validator ${validatorPath}`, `${(err as Error).message} (run npm run build:js)`);
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    // not made yet: made below after the first call
  }
  // the CommonJS wrapper, reduced to what the generated code uses (it requires nothing)
  const script = new Script(`(function (module) {${source}\n})`, { filename: validatorPath, cachedData });
  const module = { exports: undefined as unknown };
  script.runInThisContext()(module);
  if (!cachedData || script.cachedDataRejected) persistCache = () => writeCache(cachePath, script.createCachedData());
  return module.exports as Validator;
}

function validate(data: unknown): SchemaError | null {
  validator ??= loadValidator();
  const valid = validator(data);
  if (persistCache) {
    persistCache();
    persistCache = undefined;
  }
  return valid ? null : (validator.errors?.[0] ?? { instancePath: '', message: 'is invalid' });
}

/** A JSON file that must hold an object; `name` is what messages call it. */
export function readJson(path: string, name: string): object {
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
