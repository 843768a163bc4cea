// `exec`: one more process in a running container. tdrun-init joins the init's namespaces and
// forks; the sync socket reaches EOF when the process's execve succeeded (CLOEXEC).
import { resolve } from 'node:path';
import { native } from '../native.ts';
import { TdrunError } from '../errors.ts';
import type { Process, Seccomp } from '../spec/types.ts';
import { compileExecPlan } from '../plan.ts';
import { tasksFile } from './intel-rdt.ts';
import type { LinuxNamespace } from '../spec/types.ts';
import { readRecord, type ContainerRecord } from '../state/store.ts';
import { closeSeccompCache, lookupSeccompProgram, planCache, type SeccompCacheEntry } from '../seccomp-cache.ts';
import { requireStatus } from '../state/transitions.ts';
import { Msg } from '../protocol.ts';
import { exitStatusCode, forwardSignals } from '../signals.ts';
import { consoleFdNumber, InitHelper } from './spawn.ts';
import { writeFileAtomically } from '../atomic-file.ts';
import { debug } from '../log.ts';
import { requireTerminalStdin } from '../stdio.ts';
import { waitAttached } from './supervise.ts';

export interface ExecOptions {
  root: string;
  id: string;
  /** process.terminal of what processOf will return */
  terminal: boolean;
  /** the process to run, from the container's record (checked, or built from flags) */
  processOf: (record: ContainerRecord) => Process;
  consoleSocket: string | null;
  pidFile: string | null;
  detach: boolean;
  preserveFds: number;
  ignorePaused: boolean;
}

export async function execProcess(opts: ExecOptions): Promise<number> {
  const ownConsole = opts.terminal && !opts.consoleSocket;
  if (ownConsole && opts.detach)
    throw new TdrunError('cannot allocate tty if tdrun will detach without setting console socket');
  if (ownConsole) requireTerminalStdin();
  if (!opts.detach) native().setChildSubreaper();

  // tdrun-init first: its exec runs while the record is read, the process checked and
  // the plan compiled; when any of them fails, it is killed before it saw a plan
  const helper = InitHelper.spawn(opts.preserveFds, ownConsole);
  let seccompCache: SeccompCacheEntry | null = null;
  try {
    let pid: number;
    debug(`exec ${opts.id}: tdrun-init spawned`);
    try {
      const record = readRecord(opts.root, opts.id);
      const status = requireStatus(opts.ignorePaused ? 'exec --ignore-paused' : 'exec', record);
      // the container's profile, checked at create; a hit spares tdrun-init its compile
      const profile = typeof record.seccomp === 'string' ? (JSON.parse(record.seccomp) as Seccomp) : record.seccomp;
      if (profile) seccompCache = lookupSeccompProgram(opts.root, typeof record.seccomp === 'string' ? record.seccomp : JSON.stringify(profile));
      const seccomp = planCache(seccompCache);
      const plan = compileExecPlan(opts.processOf(record), {
        id: opts.id,
        initPid: record.pid,
        namespaces: record.namespaces as LinuxNamespace[],
        ...(profile
          ? {
              seccomp: {
                profile,
                state: {
                  ociVersion: record.ociVersion,
                  id: record.id,
                  status,
                  bundle: record.bundle,
                  ...(record.annotations ? { annotations: record.annotations } : {}),
                },
                cache: seccomp.cache,
              },
            }
          : {}),
        consoleSocket: opts.consoleSocket,
        consoleSocketFd: ownConsole ? consoleFdNumber(opts.preserveFds) : -1,
        preserveFds: opts.preserveFds,
        cgroup: record.cgroup,
        resctrlTasks: record.intelRdt ? tasksFile(record.intelRdt) : '',
      });
      helper.sendPlan(plan, seccomp.fds);
      closeSeccompCache(seccompCache);
      const msg = helper.next();
      if (!msg) throw new TdrunError('tdrun-init exited unexpectedly');
      if (msg.type !== Msg.ChildPid) throw new TdrunError(`unexpected message ${msg.type} from tdrun-init`);
      pid = await helper.childStarted(msg);
      // until the process's execve: an error of the exec'd process itself comes first
      helper.readToEnd();
    } catch (err) {
      // the exec child sends its error and exits; make sure of it and reap it if it is ours
      await helper.abort();
      throw err;
    }
    debug(`exec ${opts.id}: process ${pid} running`);
    if (opts.pidFile) writeFileAtomically(resolve(opts.pidFile), String(pid));
    const master = ownConsole ? helper.receiveConsole() : null;
    if (opts.detach) return 0;
    const session = master !== null ? (await import('../console.ts')).attachConsole(master) : null;
    const stopForwarding = forwardSignals(pid, session ? () => session.resize() : undefined);
    const exit = await waitAttached({ pid, session });
    debug(`exec ${opts.id}: process exited`);
    stopForwarding();
    if (session) await session.drain();
    return exitStatusCode(exit);
  } finally {
    closeSeccompCache(seccompCache);
    helper.closeConsole();
  }
}
