// cgroupfs file access with errors that say which file and which setting failed.
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { TdrunError, describe } from '../errors.ts';

export function readCgroupFile(dir: string, file: string): string {
  return readFileSync(posix.join(dir, file), 'utf8');
}

/**
 * One write(2) of the value, as the kernel parses a cgroup file per write. `setting` is the
 * JSON pointer of the config field, so the user learns which line of config.json failed.
 */
export function writeCgroupFile(dir: string, file: string, value: string, setting?: string): void {
  const path = posix.join(dir, file);
  try {
    writeFileSync(path, value);
  } catch (err) {
    const why = describe(err).replace(/^open [^:]*: |^write: /, '');
    const what = `write ${JSON.stringify(value)} to ${path}`;
    throw new TdrunError(setting ? `${setting}: ${what}` : what, why);
  }
}

/** A sync sleep: cgroup state changes (freezing, dying tasks) are waited for in short polls. */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
