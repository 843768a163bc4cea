// Reading config.json (and an exec's process.json): parse, validate against the schema compiled
// at build time, run the cross-field rules; every failure is one line naming the JSON pointer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import validateSchema from '#config-validator';
import { TdrunError, errnoText } from '../errors.ts';
import { warn } from '../log.ts';
import { native } from '../native.ts';
import { checkRules, processProblems, type Problem, type RuleContext } from './rules.ts';
import type { LinuxResources, Process, Seccomp, Spec } from './types.ts';

type SchemaError = NonNullable<typeof validateSchema.errors>[number];

function validate(data: unknown): SchemaError | null {
  return validateSchema(data) ? null : (validateSchema.errors?.[0] ?? { instancePath: '', message: 'is invalid' });
}

/** A JSON file (or fd, 0 for standard input) that must hold an object; `name` is what messages
 *  about its content call it (a failed read of a file names the whole path: `-b` may point at a
 *  file, or a directory without one). */
export function readJson(path: string | number, name: string): object {
  return parseObject(readText(path, name), name);
}

function readText(path: string | number, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TdrunError(typeof path === 'number' ? name : `open ${path}`, code ? errnoText(code) : String(err));
  }
}

function parseObject(text: string, name: string): object {
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

/** Looks linux.seccomp up in the compiled-program cache by its JSON text (as config.json has it,
 *  where that can be cut out exactly, else JSON.stringify of it); true on a hit, which leaves the
 *  profile out of the checks it passed before (RuleContext.seccompPassed). */
export type SeccompLookup = (profileText: string) => boolean;

/** Checks a parsed config.json; `name` is what messages call it. */
export function checkConfig(value: unknown, ctx: RuleContext = { noPivot: false }, name = 'config.json'): Spec {
  const spec = checkSchema(value, name, ctx.seccompPassed);
  report(name, checkRules(spec, ctx));
  return spec;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema half of checkConfig: what `tdrun audit` needs before its rules can read the config. */
export function checkSchema(value: unknown, name = 'config.json', seccompPassed = false): Spec {
  if (!isObject(value)) throw new TdrunError(name, 'must be an object');
  const linux = value.linux;
  let checked = value;
  if (seccompPassed && isObject(linux)) {
    // a shallow copy without it: the config itself keeps its profile
    const { seccomp: _, ...rest } = linux;
    checked = { ...value, linux: rest };
  }
  const error = validate(checked);
  if (error) throw new TdrunError(where(name, error.instancePath), error.message ?? 'is invalid');
  return value as unknown as Spec;
}

export function loadConfig(bundle: string, ctx: RuleContext = { noPivot: false }, seccompLookup?: SeccompLookup): Spec {
  const text = readText(join(bundle, 'config.json'), 'config.json');
  if (!seccompLookup) return checkConfig(parseObject(text, 'config.json'), ctx);
  // linux.seccomp cut out of the text: no serializing it again for the lookup, and on a hit its
  // syscalls (nearly all of a docker-sized profile) are parsed only if something reads them. A
  // text without the word has no profile, or one under an escaped key that the slow way finds.
  const spans = text.includes('"seccomp"') ? native().jsonMemberSpans(text, ['linux', 'seccomp', 'syscalls']) : null;
  const profile = spans?.[1];
  if (profile && text[profile[0]] === '{') {
    const passed = seccompLookup(text.slice(profile[0], profile[1]));
    const syscalls = spans[2];
    const value = passed && syscalls ? parseWithSyscallsOnRead(text, syscalls) : parseObject(text, 'config.json');
    return checkConfig(value, { ...ctx, seccompPassed: passed });
  }
  const value = parseObject(text, 'config.json');
  const linux = (value as Record<string, unknown>).linux;
  const passed = isObject(linux) && isObject(linux.seccomp) && seccompLookup(JSON.stringify(linux.seccomp));
  return checkConfig(value, { ...ctx, seccompPassed: passed });
}

/** config.json with linux.seccomp.syscalls (at `span` of `text`) parsed on its first read. */
function parseWithSyscallsOnRead(text: string, [begin, end]: [number, number]): object {
  const value = parseObject(`${text.slice(0, begin)}[]${text.slice(end)}`, 'config.json') as Spec;
  const seccomp = value.linux!.seccomp!;
  let syscalls: Seccomp['syscalls'] | undefined;
  Object.defineProperty(seccomp, 'syscalls', {
    enumerable: true,
    get: () => (syscalls ??= JSON.parse(text.slice(begin, end)) as Seccomp['syscalls']),
    set: (v: Seccomp['syscalls']) => (syscalls = v),
  });
  return value;
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
