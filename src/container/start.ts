// `start`: release the init blocked on the exec fifo and return at once.
import { closeSync, openSync, unlinkSync, writeSync, constants } from 'node:fs';
import { TdrunError } from '../errors.ts';
import { readRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { currentStatus, requireStatus } from '../state/lifecycle.ts';
import { runHooksWarnOnly } from '../hooks.ts';
import { hookState } from './state.ts';

export async function startContainer(root: string, id: string): Promise<void> {
  const lock = lockContainer(root, id);
  try {
    const record = readRecord(root, id);
    requireStatus('start', record, ['created']);
    let fd: number;
    try {
      // non-blocking: with no reader (the init died) open fails with ENXIO instead of hanging;
      // libuv adds O_CLOEXEC to every open
      fd = openSync(record.execFifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENXIO') throw new TdrunError('container init is not running');
      if (code === 'ENOENT') throw new TdrunError('cannot start an already running container');
      throw err;
    }
    try {
      writeSync(fd, Buffer.from([0]));
    } finally {
      closeSync(fd);
    }
    // the fifo's absence is what marks the container as started (lifecycle.currentStatus)
    unlinkSync(record.execFifo);
    await runHooksWarnOnly('poststart', record.hooks?.poststart, hookState(record, currentStatus(record)));
  } finally {
    lock.release();
  }
}
