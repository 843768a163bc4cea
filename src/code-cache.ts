// The bundle's V8 code caches, written at run time (src/launcher.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { writeFileAtomically } from './atomic-file.ts';
import { dirname } from 'node:path';

/** Writes a cache so that readers see all of it or none; false when it could not (a read-only
 *  installation only loses the speed-up). */
export function writeCodeCache(path: string, data: Buffer): boolean {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomically(path, data);
    return true;
  } catch {
    return false;
  }
}

// The launcher writes a command's cache after a successful call. A call
// that succeeds early (`--help`, `delete -f` of an id that is not there) runs
// too little of its command for that cache, which later calls would then load and compile the
// rest beside: it says so here. Symbol.for, because the launcher and the bundle are two scripts
// with a copy of this module each, sharing only the process object.
const THIN_CALL = Symbol.for('tdrun.thin-call');

export function markThinCall(): void {
  (process as unknown as Record<symbol, boolean>)[THIN_CALL] = true;
}

export function isThinCall(): boolean {
  return (process as unknown as Record<symbol, boolean>)[THIN_CALL] === true;
}

// A call with a seccomp profile runs functions (the compiled-program cache's lookup, the profile's
// rules) that a cache made by a call without one lacks, and would compile them in every call: such
// a call writes the command's cache again, under a name of its own, which the launcher prefers.
// Engines send a profile with every container; a `run` by hand may well come first.
const SECCOMP_PATH = Symbol.for('tdrun.seccomp-path');

export function markSeccompPath(): void {
  (process as unknown as Record<symbol, boolean>)[SECCOMP_PATH] = true;
}

export function ranSeccompPath(): boolean {
  return (process as unknown as Record<symbol, boolean>)[SECCOMP_PATH] === true;
}

/** Removes a cache V8 rejected that no call would replace (false when it could not). */
export function removeCodeCache(path: string): boolean {
  try {
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
}
