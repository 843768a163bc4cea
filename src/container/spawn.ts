// One run of tdrun-init, from spawn to the end of its sync socket (addon/init/protocol.h has the
// message sequence): what create and exec both drive, and what they both undo on a failure (as
// runc's initProcess and setnsProcess).
// The helper's fds: 0-2 are ours as they are (engines pass pipes), 3..3+P-1 the preserved fds,
// 3+P its end of the sync socket, then, where tdrun receives the pty master itself (`run` and
// `exec` with a terminal and no --console-socket), its end of a console socket.
import { closeSync } from 'node:fs';
import { native } from '../native.ts';
import { initHelperPath } from '../paths.ts';
import { Msg, receiveMessage, sendMessage, type Message } from '../protocol.ts';
import { TdrunError, errnoText } from '../errors.ts';
import { warn } from '../log.ts';
import type { Plan } from '../plan-types.ts';
import { closeQuietly } from '../files.ts';
import { killAndReap, waitGone } from '../processes.ts';

/** The init's failure record as the error tdrun prints: `<what>: <strerror(errno)>`. */
function initError(msg: Message): TdrunError {
  const what = msg.payload.toString('utf8') || 'tdrun-init failed';
  return new TdrunError(what, msg.value > 0 ? errnoText(msg.value) : undefined);
}

/** The plan's consoleSocketFd: where a helper spawned with a console socket finds its end. */
export function consoleFdNumber(preserveFds: number): number {
  return 4 + preserveFds;
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
    /** our end of the console socket, -1 without one or once closed */
    private console: number,
  ) {}

  /** `console`: tdrun receives the pty master itself (receiveConsole). */
  static spawn(preserveFds: number, console = false): InitHelper {
    const syncFd = 3 + preserveFds;
    const [consoleOurs, consoleTheirs] = console ? native().socketpair() : [-1, -1];
    let sync: number[] = [];
    let pid: number;
    try {
      sync = native().socketpair();
      const fds = [0, 1, 2];
      for (let fd = 3; fd < syncFd; fd++) fds.push(fd);
      fds.push(sync[1]);
      if (console) fds.push(consoleTheirs); // at consoleFdNumber(preserveFds)
      pid = native().spawn(initHelperPath, ['tdrun-init', String(syncFd)], [], fds);
    } catch (err) {
      if (sync.length) closeSync(sync[0]);
      if (console) closeSync(consoleOurs);
      throw err;
    } finally {
      // only the helper may hold its ends, or we would never see EOF when it exits
      if (sync.length) closeSync(sync[1]);
      if (console) closeSync(consoleTheirs);
    }
    return new InitHelper(pid, sync[0], consoleOurs);
  }

  /** The pty master the container's process sent over the console socket; closes our end. */
  receiveConsole(): number {
    try {
      return native().recvFd(this.console);
    } finally {
      this.closeConsole();
    }
  }

  closeConsole(): void {
    if (this.console < 0) return;
    closeQuietly(this.console);
    this.console = -1;
  }

  send(type: Msg, value = 0, payload: Buffer | string = Buffer.alloc(0), fds: number[] = []): void {
    try {
      sendMessage(this.sync, type, value, payload, fds);
    } catch (err) {
      // tdrun-init is gone, and its Error message, still to be read, says why
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') this.next();
      throw err;
    }
  }

  /** `fds`: what plan.seccomp.cache names (tdrun-init gets its own copies). */
  sendPlan(plan: Plan, fds: number[] = []): void {
    this.send(Msg.Plan, 0, JSON.stringify(plan), fds);
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
    this.closeConsole();
  }
}
