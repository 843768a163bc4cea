// An attached `run` or `exec` waits for the container's process. Node itself does so for a short
// while, which covers most short-lived processes at no cost; a process still running after that
// gets tdrun-supervise (addon/supervisor/) in this process's place, by execve, so the caller keeps
// waiting on the same pid while supervising costs a few hundred KiB instead of Node's ~47 MiB.
// Handing over costs a `run` one more Node start at the end (the supervisor runs `tdrun delete`,
// so deleting has one implementation), which the grace keeps off the short ones.
import { accessSync, constants } from 'node:fs';
import { native, type ExitStatus } from '../native.ts';
import { describe } from '../errors.ts';
import type { ConsoleSession } from '../console.ts';
import { launcherPath, supervisorPath } from '../paths.ts';
import { debug, logFlags, warn } from '../log.ts';

/** How long Node waits itself before it hands the wait over. */
const HAND_OVER_AFTER_MS = 100;

export interface Attached {
  pid: number;
  session: ConsoleSession | null;
  /** for `run` without --keep: the container to delete once the process is gone */
  deleteAfter?: { root: string; id: string };
}

/** The process's exit status when it ends within the grace; otherwise never returns. */
export async function waitAttached(a: Attached): Promise<ExitStatus> {
  const exited = native().waitPid(a.pid);
  let timer: NodeJS.Timeout | undefined;
  const early = await Promise.race([exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), HAND_OVER_AFTER_MS)))]);
  clearTimeout(timer);
  if (early) return early;
  try {
    accessSync(supervisorPath, constants.X_OK);
  } catch (err) {
    // a build without the supervisor still supervises, at Node's size
    warn(`tdrun-supervise: ${describe(err)}: tdrun waits for the process itself`);
    return exited;
  }
  handOver(a);
}

function handOver(a: Attached): never {
  const argv = ['tdrun-supervise', String(a.pid)];
  // libuv marks the stdio it opened as a terminal close-on-exec (it reopens a tty for a
  // non-blocking description of its own): the supervisor needs them all the same
  const keep: number[] = [0, 1, 2];
  if (a.session) {
    const { master, savedTerminal } = a.session.handOver();
    argv.push('--pty', String(master));
    keep.push(master);
    if (savedTerminal) argv.push('--restore-tty', savedTerminal.toString('hex'));
  }
  if (a.deleteAfter) argv.push('--then', launcherPath, '--root', a.deleteAfter.root, ...logFlags(), 'delete', '--force', a.deleteAfter.id);
  debug(`supervision of ${a.pid} handed over to tdrun-supervise`);
  // signals keep being forwarded by the addon's handlers until execInPlace blocks them all
  return native().execInPlace(supervisorPath, argv, keep);
}
