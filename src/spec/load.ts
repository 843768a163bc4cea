// Reading config.json (and an exec's process.json): parse, validate against the schema compiled
// at build time, run the cross-field rules; every failure is one line naming the JSON pointer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import validateSchema from '#config-validator';
import { TdrunError, errnoText } from '../errors.ts';
import { warn } from '../log.ts';
import { checkRules, processProblems, type Problem, type RuleContext } from './rules.ts';
import type { LinuxResources, Process, Spec } from './types.ts';

type SchemaError = NonNullable<typeof validateSchema.errors>[number];

function validate(data: unknown): SchemaError | null {
  return validateSchema(data) ? null : (validateSchema.errors?.[0] ?? { instancePath: '', message: 'is invalid' });
}

/** A JSON file (or fd, 0 for standard input) that must hold an object; `name` is what messages
 *  about its content call it (a failed read of a file names the whole path: `-b` may point at a
 *  file, or a directory without one). */
export function readJson(path: string | number, name: string): object {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TdrunError(typeof path === 'number' ? name : `open ${path}`, code ? errnoText(code) : String(err));
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

/** Asked with linux.seccomp (an object, not checked yet) before the schema check; true leaves it
 *  out of that check (src/container/create.ts says when that is safe). */
export type SeccompCheckedBefore = (profile: object) => boolean;

/** Checks a parsed config.json; `name` is what messages call it. */
export function checkConfig(
  value: unknown,
  ctx: RuleContext = { noPivot: false },
  name = 'config.json',
  seccompCheckedBefore?: SeccompCheckedBefore,
): Spec {
  const spec = checkSchema(value, name, seccompCheckedBefore);
  report(name, checkRules(spec, ctx));
  return spec;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema half of checkConfig: what `tdrun audit` needs before its rules can read the config. */
export function checkSchema(value: unknown, name = 'config.json', seccompCheckedBefore?: SeccompCheckedBefore): Spec {
  if (!isObject(value)) throw new TdrunError(name, 'must be an object');
  const linux = value.linux;
  let checked = value;
  if (seccompCheckedBefore && isObject(linux) && isObject(linux.seccomp) && seccompCheckedBefore(linux.seccomp)) {
    // a shallow copy without it: the config itself keeps its profile
    const { seccomp: _, ...rest } = linux;
    checked = { ...value, linux: rest };
  }
  const error = validate(checked);
  if (error) throw new TdrunError(where(name, error.instancePath), error.message ?? 'is invalid');
  return value as unknown as Spec;
}

export function loadConfig(bundle: string, ctx: RuleContext = { noPivot: false }, seccompCheckedBefore?: SeccompCheckedBefore): Spec {
  return checkConfig(readJson(join(bundle, 'config.json'), 'config.json'), ctx, 'config.json', seccompCheckedBefore);
}

/** A runtime-spec Process (`tdrun exec --process FILE`), checked as config.json's process is. */
export function checkProcess(value: unknown, name: string): Process {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TdrunError(name, 'must be an object');
  const error = validate({ ociVersion: '1.3.0', process: value });
  if (error) {
    throw new TdrunError(where(name, error.instancePath.replace(/^\/process/, '')), error.message ?? 'is invalid');
  }
  const process = value as Process;
  report(name, processProblems(process));
  return process;
}

/** A LinuxResources object (`tdrun update --resources`), checked against the schema as config.json's
 *  linux.resources is; pointers are relative to it. */
export function checkResources(value: object, name: string): LinuxResources {
  const error = validate({ ociVersion: '1.3.0', linux: { resources: value } });
  if (error) {
    throw new TdrunError(where(name, error.instancePath.replace(/^\/linux\/resources/, '')), error.message ?? 'is invalid');
  }
  return value as LinuxResources;
}
