// `run`: create + start, then (unless detached) supervise the init like a shell would a child:
// forward signals, pump the pty when tdrun holds it, wait, delete, exit with the init's status.
import { native } from '../native.ts';
import { exitStatusCode, forwardSignals } from '../signals.ts';
import { createContainer, type CreateOptions } from './create.ts';
import { runPoststartHooks } from './start.ts';
import { deleteContainer } from './delete.ts';
import { debug } from '../log.ts';
import { waitAttached } from './supervise.ts';

export interface RunOptions extends Omit<CreateOptions, 'ownConsole' | 'startAtOnce'> {
  detach: boolean;
  keep: boolean;
}

export async function runContainer(opts: RunOptions): Promise<number> {
  // the init is the helper's orphan: as a subreaper we inherit it and can wait for it
  if (!opts.detach) native().setChildSubreaper();
  // no exec fifo: nobody can act between our create and start, so the init need not wait for one
  const { record, consoleMaster, execPending } = await createContainer({ ...opts, ownConsole: !opts.detach, startAtOnce: true });
  // console.ts pulls in node:tty and node:net, slow to load: only a terminal needs it
  const session = consoleMaster !== null ? (await import('../console.ts')).attachConsole(consoleMaster) : null;
  const stopForwarding = opts.detach ? () => {} : forwardSignals(record.pid, session ? () => session.resize() : undefined);
  try {
    // the program may not run: every reason reaches the user, every time (README)
    if (execPending) execPending.readToEnd();
    await runPoststartHooks(record);
  } catch (err) {
    stopForwarding();
    session?.restore();
    await deleteContainer(opts.root, opts.id, true);
    throw err;
  }
  debug(`run ${opts.id}: started`);
  if (opts.detach) return 0;
  const status = await waitAttached({ pid: record.pid, session, deleteAfter: opts.keep ? undefined : { root: opts.root, id: opts.id } });
  debug(`run ${opts.id}: process exited`);
  stopForwarding();
  if (session) await session.drain();
  if (!opts.keep) {
    await deleteContainer(opts.root, opts.id, true);
    debug(`run ${opts.id}: deleted`);
  }
  return exitStatusCode(status);
}
