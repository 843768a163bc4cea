// Starting tdrun-init and talking to it (addon/init/protocol.h has the message sequence).
// The helper's fds: 0-2 are ours as they are (engines pass pipes), 3..3+P-1 the preserved fds,
// 3+P its end of the sync socket, then optional extra fds (the console socket end for `run`).
import { closeSync, readFileSync } from 'node:fs';
import { native } from '../native.ts';
import { initHelperPath } from '../paths.ts';
import { Msg, receiveMessage, sendMessage, type Message } from '../protocol.ts';
import { TdrunError, errnoText } from '../errors.ts';
import { warn } from '../log.ts';
import type { Plan } from '../plan-types.ts';

export interface Helper {
  pid: number;
  /** our end of the sync socket */
  sync: number;
}

/** Where the helper will find extra fd number i of spawnHelper's `extra`. */
export function extraFdNumber(preserveFds: number, i: number): number {
  return 4 + preserveFds + i;
}

export function spawnHelper(preserveFds: number, extra: number[] = []): Helper {
  const [ours, theirs] = native().socketpair();
  const syncFd = 3 + preserveFds;
  const fds = [0, 1, 2];
  for (let fd = 3; fd < syncFd; fd++) fds.push(fd);
  fds.push(theirs, ...extra);
  let pid: number;
  try {
    pid = native().spawn(initHelperPath, ['tdrun-init', String(syncFd)], [], fds);
  } catch (err) {
    closeSync(ours);
    throw err;
  } finally {
    // only the helper may hold its end, or we would never see EOF when it exits
    closeSync(theirs);
  }
  return { pid, sync: ours };
}

export function sendPlan(helper: Helper, plan: Plan): void {
  sendMessage(helper.sync, Msg.Plan, 0, JSON.stringify(plan));
}

/** The init's failure record as the error tdrun prints: `<what>: <strerror(errno)>`. */
export function initError(msg: Message): TdrunError {
  const what = msg.payload.toString('utf8') || 'tdrun-init failed';
  return new TdrunError(what, msg.value > 0 ? errnoText(msg.value) : undefined);
}

/** Next message, with Error turned into a throw, Warning logged and skipped, EOF into null. */
export function nextMessage(helper: Helper): Message | null {
  for (;;) {
    const msg = receiveMessage(helper.sync);
    if (msg && msg.type === Msg.Error) throw initError(msg);
    if (msg && msg.type === Msg.Warning) {
      warn(msg.payload.toString('utf8'));
      continue;
    }
    return msg;
  }
}

/** SIGKILL and reap a child of ours (the stage-1 helper); used on the failure paths. */
export async function killAndReap(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already exited; still needs reaping below
  }
  try {
    await native().waitPid(pid);
  } catch {
    // ECHILD: someone else reaped it
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing is cleanup; an fd that is already closed has nothing left to release
  }
}

/** True while pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Waits (polling, up to timeoutMs) until every pid is gone, reaping those that are our children. */
export async function waitGone(pids: number[], timeoutMs = 10000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    let alive = false;
    for (const pid of pids) {
      try {
        native().tryWaitPid(pid);
      } catch {
        // ECHILD: not ours to reap; its own parent does that
      }
      if (isAlive(pid)) alive = true;
    }
    if (!alive) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}
