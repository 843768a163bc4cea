// Per-container locks. Scheme: <root>/@locks/<id> ("@" cannot be in an id, so the directory never
// looks like a container), flock(2)ed exclusively for the whole of a command on that id. Different
// ids lock different files and never wait for each other.
//
// The lock file must not outlive the container forever (engines make thousands of ids), but
// removing it races with a waiter that opened the old file: it would then "hold" a lock on an
// unlinked inode while a newcomer locks a fresh file of the same name. So:
// - a lock file is unlinked only by a holder, while holding it (release() does this once the
//   container's directory is gone);
// - after every flock, the holder checks that the path still names the inode it locked; if not,
//   it closes and starts over on the current file.
import { closeSync, mkdirSync, openSync, unlinkSync, existsSync, constants } from 'node:fs';
import { join } from 'node:path';
import { native } from '../native.ts';
import { TdrunError, describe } from '../errors.ts';
import { containerDir } from './store.ts';
import { sameFile } from '../files.ts';

export interface ContainerLock {
  release(): void;
}

export interface LockOptions {
  /** false: fail at once with "container <id> is busy" instead of waiting */
  wait?: boolean;
}

export function lockDir(root: string): string {
  return join(root, '@locks');
}

export function lockContainer(root: string, id: string, opts: LockOptions = {}): ContainerLock {
  const dir = containerDir(root, id);
  const path = join(lockDir(root), id);
  try {
    mkdirSync(lockDir(root), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new TdrunError(`lock container ${id}`, describe(err));
  }
  const addon = native();
  for (;;) {
    let fd: number;
    try {
      // libuv opens every fd O_CLOEXEC: spawned helpers and hooks never inherit the lock
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (err) {
      throw new TdrunError(`lock container ${id}`, describe(err));
    }
    let locked: boolean;
    try {
      locked = addon.flock(fd, opts.wait !== false);
    } catch (err) {
      closeSync(fd);
      throw new TdrunError(`lock container ${id}`, describe(err));
    }
    if (!locked) {
      closeSync(fd);
      throw new TdrunError(`container ${id} is busy`);
    }
    if (!sameFile(fd, path)) {
      closeSync(fd);
      continue;
    }
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        if (!existsSync(dir)) {
          try {
            unlinkSync(path);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new TdrunError(`unlock container ${id}`, describe(err));
          }
        }
        closeSync(fd);
      },
    };
  }
}
