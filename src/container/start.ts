// `start`: release the init blocked on the exec fifo and return at once.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync, constants } from 'node:fs';
import { TdrunError } from '../errors.ts';
import { readRecord, type ContainerRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { noProcessToStart, requireStatus, requireStatusOf } from '../state/transitions.ts';
import { runHooksWarnOnly } from '../hooks.ts';
import { hookState } from './state.ts';
import { isAlive } from '../processes.ts';

/** Until pid is no longer tdrun-init (it ran execve) or is gone (a startContainer hook failed). */
async function waitForExec(pid: number): Promise<void> {
  let delay = 1;
  for (;;) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return;
    }
    if (comm !== 'tdrun-init' || !isAlive(pid)) return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 20);
  }
}

export async function startContainer(root: string, id: string): Promise<void> {
  const lock = lockContainer(root, id);
  try {
    const record = readRecord(root, id);
    requireStatus('start', record);
    if (!record.process) throw noProcessToStart();
    let fd: number;
    try {
      // non-blocking: with no reader (the init died) open fails with ENXIO instead of hanging;
      // libuv adds O_CLOEXEC to every open
      fd = openSync(record.execFifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENXIO') throw new TdrunError('container init is not running');
      // the fifo is gone: another start won the race
      if (code === 'ENOENT') requireStatusOf('start', id, 'running');
      throw err;
    }
    try {
      writeSync(fd, Buffer.from([0]));
    } finally {
      closeSync(fd);
    }
    // the fifo's absence is what marks the container as started (lifecycle.currentStatus)
    unlinkSync(record.execFifo);
    await runPoststartHooks(record);
  } finally {
    lock.release();
  }
}

/** runtime-spec: poststart hooks run after the user process is executed, so this waits for the execve. */
export async function runPoststartHooks(record: ContainerRecord): Promise<void> {
  if (!record.hooks?.poststart?.length) return;
  await waitForExec(record.pid);
  // the process was running when it executed, even if it is quick enough to be gone already
  await runHooksWarnOnly('poststart', record.hooks.poststart, hookState(record, 'running'));
}
