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
  if (undoLog) rememberOldValue(undoLog, dir, file, typeof value === 'string' ? [value] : value, setting);
  writeValues(dir, file, value, setting);
}

function writeValues(dir: string, file: string, value: string | readonly string[], setting?: string): void {
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

interface Undo {
  /** one per file (per device for the per-device files): the value from before the first write */
  key: string;
  restore(): void;
}

/** Set while allOrNothing runs: how to put back each file written so far, oldest first. */
let undoLog: Undo[] | null = null;

// The files of per-device settings ("8:0 1048576") hold one value per device: each device's old
// value is its own, and a device without one had the default, which the kernel takes as 0.
const PER_DEVICE = /^blkio\.(throttle\.|(bfq\.)?(leaf_)?weight_device$)/;
/**
 * Files of "<key> <values>" lines, one key per write: how to say "the default" for a key that had
 * no line of its own (the weights' key is "default" for a value without a device).
 */
const KEYED_LINES: Record<string, (key: string) => string> = {
  'io.max': (dev) => `${dev} rbps=max wbps=max riops=max wiops=max`,
  'io.weight': (dev) => `${dev} default`,
  'io.bfq.weight': (dev) => `${dev} default`,
  'rdma.max': (dev) => `${dev} hca_handle=max hca_object=max`,
  'net_prio.ifpriomap': (ifname) => `${ifname} 0`,
};

function rememberOldValue(log: Undo[], dir: string, file: string, values: readonly string[], setting?: string): void {
  const remember = (key: string, read: () => () => void) => {
    if (log.some((u) => u.key === key)) return;
    let restore: () => void;
    try {
      restore = read();
    } catch (err) {
      throw new TdrunError(`${setting ? `${setting}: ` : ''}read ${dir}/${file} (to restore it if the update fails)`, describe(err));
    }
    log.push({ key, restore });
  };
  if (file === 'devices.allow' || file === 'devices.deny') {
    // write-only files: the rules in force are in devices.list, "a *:* rwm" when all is allowed
    remember(`${dir}/devices.list`, () => {
      const rules = readCgroupFile(dir, 'devices.list').split('\n').filter(Boolean);
      return () => {
        writeValues(dir, 'devices.deny', 'a');
        writeValues(dir, 'devices.allow', rules.includes('a *:* rwm') ? ['a'] : rules);
      };
    });
  } else if (file === 'memory.oom_control') {
    // reads "oom_kill_disable N" among other lines; takes N
    remember(`${dir}/${file}`, () => {
      const old = /^oom_kill_disable (\d+)$/m.exec(readCgroupFile(dir, file))?.[1] ?? '0';
      return () => writeValues(dir, file, old);
    });
  } else if (Object.hasOwn(KEYED_LINES, file)) {
    for (const value of values) {
      const first = value.split(' ')[0];
      const key = file.endsWith('weight') && !first.includes(':') ? 'default' : first;
      remember(`${dir}/${file} ${key}`, () => {
        const line = readCgroupFile(dir, file).split('\n').find((l) => l.split(' ')[0] === key);
        return () => writeValues(dir, file, line ?? KEYED_LINES[file](key));
      });
    }
  } else if (PER_DEVICE.test(file)) {
    for (const value of values) {
      const device = value.split(' ')[0];
      remember(`${dir}/${file} ${device}`, () => {
        const line = readCgroupFile(dir, file).split('\n').find((l) => l.split(' ')[0] === device);
        return () => writeValues(dir, file, line ?? `${device} 0`);
      });
    }
  } else {
    remember(`${dir}/${file}`, () => {
      const old = readCgroupFile(dir, file).trim();
      return () => writeValues(dir, file, old);
    });
  }
}

/**
 * Runs `change` all or nothing: the first write to each cgroup file reads what was there before,
 * and when `change` throws, the old values go back newest first. That order also suits the
 * pairs the kernel keeps ordered (memory and memory + swap were written in the order the change
 * needed; the reverse order is the one the undoing needs). Returns what puts the old values back
 * later, for a change whose second half is not file writes (the systemd driver's unit
 * properties, over D-Bus) and fails.
 */
export function allOrNothing(change: () => void): () => void {
  const log: Undo[] = [];
  undoLog = log;
  try {
    change();
  } catch (err) {
    undoLog = null;
    restoreAll(log, err);
  } finally {
    undoLog = null;
  }
  return () => restoreAll(log, null);
}

/** Puts back the old values newest first; rethrows `cause` (or says which could not go back). */
function restoreAll(log: Undo[], cause: unknown): void {
  const left: string[] = [];
  for (const undo of [...log].reverse()) {
    try {
      undo.restore();
    } catch (restoreErr) {
      left.push(describe(restoreErr));
    }
  }
  if (left.length > 0) {
    const why = `restoring the old values failed: ${left.join('; ')}`;
    throw cause ? new TdrunError(describe(cause), `and ${why}`) : new TdrunError(why);
  }
  if (cause) throw cause;
}
