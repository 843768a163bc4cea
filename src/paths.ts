// Where tdrun's own files are, wherever it is called from: the bundle (dist/tdrun.cjs) and the
// sources (src/*.ts, under vitest) both sit one level below the project root.
import { resolve } from 'node:path';

export const projectRoot = resolve(import.meta.dirname, '..');
export const addonPath = resolve(projectRoot, 'build/Release/tdrun.node');
export const initHelperPath = resolve(projectRoot, 'build/Release/tdrun-init');
export const probePath = resolve(projectRoot, 'build/Release/tdrun-probe');
/** V8 code caches: the bundle's per command (src/launcher.ts), Node's for yargs. */
export const v8CacheDir = resolve(projectRoot, 'build/v8-cache');
export const DEFAULT_ROOT = '/run/tdrun';
/** The one Node option bin/tdrun's shebang passes (src/build/build.ts says why). */
export const LAUNCHER_NODE_FLAG = '--no-rehash-snapshot';
