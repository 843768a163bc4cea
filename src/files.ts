// File facts that more than one part of tdrun asks for.
import { closeSync, fstatSync, statSync, writeSync } from 'node:fs';
import { native } from './native.ts';

/** Whether `a` (a path, or an open fd) and the path `b` name the same inode; false when either
 *  is not there. */
export function sameFile(a: string | number, b: string): boolean {
  try {
    const sa = typeof a === 'number' ? fstatSync(a) : statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing is cleanup; an fd that is already closed has nothing left to release
  }
}

/** write(2)s all of `data`. A non-blocking fd that is full (a pipe an engine handed us, the pty
 *  master libuv made non-blocking) is waited for, not spun on or given up. */
export function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      native().waitWritable(fd);
    }
  }
}
