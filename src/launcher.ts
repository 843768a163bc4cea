// bin/tdrun (bundled by src/build/build.ts, with the Node 24 shebang in front): loads the main
// bundle, dist/tdrun.cjs, through a V8 code cache of its own command.
//
// Why not Node's compile cache: it is written right after a module is compiled, so it holds only
// the few functions V8 compiles eagerly; every other function of the bundle is parsed and
// compiled on its first call, in every call of tdrun (bench/README.md has what it costs). A
// cache made once the command has run holds the bytecode of every function that ran. One cache
// per command, since `state` runs other code than `run`. The first call of a command (or the
// first after a rebuild or with other V8 flags, which V8 detects and rejects) writes its cache on
// a successful exit, unless it succeeded early; the first with a seccomp profile writes one more
// that also holds the profile's code, which calls prefer (src/code-cache.ts).
import { closeSync, existsSync, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { commandWord } from './commands/flags.ts';
import { native } from './native.ts';
import { isThinCall, ranSeccompPath, removeCodeCache, writeCodeCache } from './code-cache.ts';
import { v8CacheDir } from './paths.ts';

/** Replaced at build time by the bundle's absolute path (esbuild `define`). */
declare const TDRUN_BUNDLE: string;

/** `mayRunSeccomp`: the command may load a seccomp profile (create, run, exec), so that a cache
 *  with the profile's code may exist. */
function loadBundle(key: string, mayRunSeccomp: boolean): void {
  let source: string;
  let built: Stats;
  try {
    // one open for the text and the size and mtime that name its cache
    const fd = openSync(TDRUN_BUNDLE, 'r');
    try {
      built = fstatSync(fd);
      source = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    process.stderr.write(`tdrun: cannot load ${TDRUN_BUNDLE}: ${(err as Error).message} (npm run build)\n`);
    process.exit(1);
  }
  // TDRUN_CODE_CACHE_DIR: caches of one's own, for a test that must see which ones a call writes
  // while other calls write the shared ones
  const base = `${process.env.TDRUN_CODE_CACHE_DIR || v8CacheDir}/tdrun-${key}-${built.size}-${Math.trunc(built.mtimeMs)}`;
  const plainPath = `${base}.bin`;
  const seccompPath = `${base}+seccomp.bin`;
  let loadedPath: string | undefined;
  let cachedData: Buffer | undefined;
  // existsSync first: a missing +seccomp cache, the usual case without profiles, costs no thrown
  // error on every create, run and exec
  for (const path of mayRunSeccomp && existsSync(seccompPath) ? [seccompPath, plainPath] : [plainPath]) {
    try {
      cachedData = readFileSync(path);
      loadedPath = path;
      break;
    } catch {
      // not made yet: written below when this call succeeds
    }
  }
  // the bundle is stored inside the CommonJS wrapper (src/build/build.ts), so that it sees the
  // module variables it would under require()
  const script = new Script(source, {
    filename: TDRUN_BUNDLE,
    cachedData,
  });
  const usable = loadedPath !== undefined && !script.cachedDataRejected;
  if (usable && loadedPath === seccompPath) return runBundle(script);
  process.on('exit', (code) => {
    if (code !== 0 || isThinCall()) return;
    const seccomp = ranSeccompPath();
    if (usable && !seccomp) return;
    // a rejected cache with the profile's code that this call cannot replace would be read, and
    // rejected, by every call
    if (loadedPath === seccompPath && !seccomp) removeCodeCache(seccompPath);
    writeCodeCache(seccomp ? seccompPath : plainPath, script.createCachedData());
  });
  runBundle(script);
}

function runBundle(script: Script): void {
  const module = { exports: {} };
  // the launcher's own require serves: the bundle takes Node's built-ins from
  // process.getBuiltinModule and requires only files by absolute path (node:module, for
  // createRequire, would cost more to load than it saves)
  script.runInThisContext()(module.exports, require, module, TDRUN_BUNDLE, dirname(TDRUN_BUNDLE));
}

const argv = process.argv.slice(2);
const command = commandWord(argv) ?? 'other';
// exec --process (every engine's exec) checks the file against the schema; an exec cache made by
// an exec without it would hold none of the validator, compiled anew by every engine
// exec until the next build. (A "-p" among the exec'd command's own arguments only picks the
// other cache.)
const key = command === 'exec' && argv.some((a) => a === '-p' || a === '--process' || a.startsWith('--process=')) ? 'exec-process' : command;
if (command === 'create' || command === 'run' || command === 'exec') {
  // These commands run the bundle's heaviest code (validation, plan) once, in a process that
  // lives a few tens of ms: code compiled for speed never pays back, and compiling it costs CPU
  // on V8's worker threads in every call (bench/README.md). Set before the
  // bundle's Script exists, so its code cache is made and checked under the same flags.
  // A long `run` or `exec` with a terminal only moves bytes, which Node does in C++ anyway.
  try {
    native().setV8Flags('--no-sparkplug --no-maglev --no-turbofan');
  } catch {
    // an addon that does not load is reported, as one line, by the command itself
  }
}
loadBundle(key, command === 'create' || command === 'run' || command === 'exec');
