// Waiting for processes and getting rid of them, as every lifecycle operation needs it.
import { readFileSync } from 'node:fs';
import { native } from './native.ts';

/** SIGKILL and reap a child of ours; used on the failure paths. */
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
