// One way to replace a file so that readers see all of the old one or all of the new: write a
// temporary file beside it, then rename(2) over it. State records, pid files (engines read them
// at once), V8 code caches and the build's generated validator all go through here.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';

/** Throws what the write or the rename threw, with no temporary file left behind. */
export function writeFileAtomically(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = `${path}.tdrun-${process.pid}`;
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never made, or the rename took it
    }
    throw err;
  }
}
