// File facts that more than one part of tdrun asks for.
import { fstatSync, statSync } from 'node:fs';

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
