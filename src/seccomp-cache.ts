// The cache of compiled seccomp programs from tdrun's side (issue 15): <root>/@seccomp/<key>.bpf,
// where the key is the SHA-256 of the profile's JSON text and of the files that turn a profile
// into a program (addon/seccomp_cache.h has the file's format and the rules for trusting it; the
// addon applies them). On a hit tdrun-init gets the open file with the plan and compiles nothing,
// and the profile's rules never reach it; on a miss it gets the open directory and writes the
// program it compiles there. Hashing in the addon: loading node:crypto costs about a millisecond.
import { join } from 'node:path';
import { markSeccompPath } from './code-cache.ts';
import { closeQuietly } from './files.ts';
import { native } from './native.ts';
import { initHelperPath, projectRoot } from './paths.ts';
import type { PlanSeccomp } from './plan-types.ts';

/** tdrun-init, into which libseccomp is linked, and the bundle, whose schema and compileSeccomp
 *  (src/plan.ts) make the rules it compiles: a rebuild of either is another key. */
const MADE_BY = [initHelperPath, `${projectRoot}/dist/tdrun.cjs`];

export interface SeccompCacheEntry {
  key: string;
  /** a hit: the program's file, open, checked; -1 on a miss */
  program: number;
  /** a miss: the cache's directory, open, checked, for tdrun-init to write into; -1 on a hit or
   *  where there is no usable directory (the root does not exist yet, or is open to others) */
  directory: number;
}

/** Looks a profile up by its JSON text (linux.seccomp's text as config.json has it: src/spec/
 *  load.ts cuts it out); null when the files the key is made of are missing (no cache then). */
export function lookupSeccompProgram(root: string, profileText: string): SeccompCacheEntry | null {
  markSeccompPath();
  return native().seccompCache(join(root, '@seccomp'), MADE_BY, profileText);
}

export function isCached(entry: SeccompCacheEntry | null): boolean {
  return entry !== null && entry.program >= 0;
}

/** What the plan says of the entry, and the fd to send with it. */
export function planCache(entry: SeccompCacheEntry | null): { cache: PlanSeccomp['cache']; fds: number[] } {
  if (entry && entry.program >= 0) return { cache: { key: entry.key, fd: 'program' }, fds: [entry.program] };
  if (entry && entry.directory >= 0) return { cache: { key: entry.key, fd: 'directory' }, fds: [entry.directory] };
  return { cache: null, fds: [] };
}

/** Closes tdrun's copies of the entry's fds (once tdrun-init has its own, or on a failure). */
export function closeSeccompCache(entry: SeccompCacheEntry | null): void {
  if (!entry) return;
  if (entry.program >= 0) closeQuietly(entry.program);
  if (entry.directory >= 0) closeQuietly(entry.directory);
  entry.program = entry.directory = -1;
}
