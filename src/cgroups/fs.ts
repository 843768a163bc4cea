// cgroupfs file access with errors that say which file and which setting failed.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { TdrunError, describe } from '../errors.ts';

// `dir` is always a clean absolute cgroup directory and `file` a plain name: a string join, not
// path.join, which runs char by char in V8's interpreter (all create and run use: src/launcher.ts)
export function readCgroupFile(dir: string, file: string): string {
  return readFileSync(`${dir}/${file}`, 'utf8');
}

/**
 * One write(2) per value, on one open of the file, as the kernel parses a cgroup file per write
 * (the devices rules are a dozen writes to one file). `setting` is the JSON pointer of the config
 * field, so the user learns which line of config.json failed.
 */
export function writeCgroupFile(dir: string, file: string, value: string | readonly string[], setting?: string): void {
  const path = `${dir}/${file}`;
  const values = typeof value === 'string' ? [value] : value;
  let fd = -1;
  let current = values[0];
  try {
    fd = openSync(path, 'w');
    for (current of values) writeSync(fd, current);
  } catch (err) {
    const why = describe(err).replace(/^open [^:]*: |^write: /, '');
    const what = `write ${JSON.stringify(current)} to ${path}`;
    throw new TdrunError(setting ? `${setting}: ${what}` : what, why);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** A sync sleep: cgroup state changes (freezing, dying tasks) are waited for in short polls. */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
