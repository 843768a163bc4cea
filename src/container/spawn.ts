// One run of tdrun-init, from spawn to the end of its sync socket (addon/init/protocol.h has the
// message sequence): what create and exec both drive, and what they both undo on a failure (as
// runc's initProcess and setnsProcess).
// The helper's fds: 0-2 are ours as they are (engines pass pipes), 3..3+P-1 the preserved fds,
// 3+P its end of the sync socket, then optional extra fds (the console socket end for `run`).
import { closeSync } from 'node:fs';
import { native } from '../native.ts';
import { initHelperPath } from '../paths.ts';
import { Msg, receiveMessage, sendMessage, type Message } from '../protocol.ts';
import { TdrunError, errnoText } from '../errors.ts';
import { warn } from '../log.ts';
import type { Plan } from '../plan-types.ts';
import { closeQuietly } from '../files.ts';
import { killAndReap, waitGone } from '../processes.ts';

/** Where the helper will find extra fd number i of InitHelper.spawn's `extra`. */
export function extraFdNumber(preserveFds: number, i: number): number {
  return 4 + preserveFds + i;
}

/** The init's failure record as the error tdrun prints: `<what>: <strerror(errno)>`. */
function initError(msg: Message): TdrunError {
  const what = msg.payload.toString('utf8') || 'tdrun-init failed';
  return new TdrunError(what, msg.value > 0 ? errnoText(msg.value) : undefined);
}

export class InitHelper {
  /** the process tdrun-init made (the container's init, or the exec'd process), once known */
  child = 0;
  private reaped = false;
  private closed = false;

  private constructor(
    readonly pid: number,
    /** our end of the sync socket */
    private readonly sync: number,
  ) {}

  static spawn(preserveFds: number, extra: number[] = []): InitHelper {
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
    return new InitHelper(pid, ours);
  }

  send(type: Msg, value = 0, payload: Buffer | string = Buffer.alloc(0)): void {
    sendMessage(this.sync, type, value, payload);
  }

  sendPlan(plan: Plan): void {
    this.send(Msg.Plan, 0, JSON.stringify(plan));
  }

  /** Next message, with Error turned into a throw, Warning logged and skipped, EOF into null. */
  next(): Message | null {
    for (;;) {
      const msg = receiveMessage(this.sync);
      if (msg && msg.type === Msg.Error) throw initError(msg);
      if (msg && msg.type === Msg.Warning) {
        warn(msg.payload.toString('utf8'));
        continue;
      }
      return msg;
    }
  }

  /** ChildPid: the helper made its child and exits; reaps it. */
  async childStarted(msg: Message): Promise<number> {
    this.child = msg.value;
    await native().waitPid(this.pid);
    this.reaped = true;
    return this.child;
  }

  /** Reads the sync socket to its end and closes it: `create`'s init closes its end at Ready,
   *  `run`'s by its execve (CLOEXEC), the exec'd process by its own; an Error sent before that
   *  (a startContainer hook, execve itself) is thrown. */
  readToEnd(): void {
    try {
      const late = this.next();
      if (late) throw new TdrunError(`unexpected message ${late.type} from tdrun-init`);
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeQuietly(this.sync);
  }

  /** The failure path: SIGKILL the child and the helper, wait until both are gone, close. */
  async abort(): Promise<void> {
    if (this.child) {
      try {
        process.kill(this.child, 'SIGKILL');
      } catch {
        // already gone
      }
      await waitGone([this.child]);
    }
    if (!this.reaped) await killAndReap(this.pid);
    this.reaped = true;
    this.close();
  }
}
