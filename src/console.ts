// The pty side of `run`/`exec` with a terminal and no --console-socket: tdrun itself receives
// the pty master from tdrun-init and copies bytes between it and its own stdio, with our
// terminal (if stdin is one) in raw mode so keys reach the container unprocessed.
import { ReadStream } from 'node:tty';
import { native } from './native.ts';
import { markStreamsUsed } from './stdio.ts';
import { writeAll } from './files.ts';

export interface ConsoleSession {
  /** Resolves when the container side of the pty is closed (every slave fd gone). */
  closed: Promise<void>;
  /** Copies our terminal's size onto the pty (SIGWINCH). */
  resize(): void;
  /** Puts our terminal back as it was and closes the master. */
  restore(): void;
  /** Once the process exited: lets its last output reach us, without waiting on a pty that a
   *  leftover background process still holds open, then restores. */
  drain(): Promise<void>;
  /** Stops our side of the relay, leaving the terminal raw and the master open, for the
   *  supervisor to carry on (src/container/supervise.ts); the settings restore() would put back. */
  handOver(): { master: number; savedTerminal: Buffer | undefined };
}

export function attachConsole(master: number): ConsoleSession {
  markStreamsUsed();
  const stdin = process.stdin;
  const rawMode = stdin.isTTY === true;
  const resize = (): void => {
    const out = process.stdout.isTTY ? process.stdout : undefined;
    if (!out) return;
    try {
      native().setWindowSize(master, out.rows, out.columns);
    } catch {
      // the pty may already be gone while the container exits
    }
  };
  resize();

  const reader = new ReadStream(master);
  const closed = new Promise<void>((resolve) => {
    reader.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    // reading a master whose slaves are all closed fails with EIO: that is the end of output
    reader.on('error', () => resolve());
    reader.on('end', () => resolve());
    reader.on('close', () => resolve());
  });

  const saved = rawMode ? native().makeRaw(0) : undefined;
  const onInput = (chunk: Buffer): void => {
    try {
      writeAll(master, chunk);
    } catch {
      stdin.off('data', onInput);
    }
  };
  stdin.on('data', onInput);

  let restored = false;
  return {
    closed,
    resize,
    async drain() {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
      this.restore();
    },
    handOver() {
      restored = true;
      stdin.off('data', onInput);
      stdin.pause();
      reader.pause();
      return { master, savedTerminal: saved };
    },
    restore() {
      if (restored) return;
      restored = true;
      stdin.off('data', onInput);
      if (saved) native().restoreTerminal(0, saved);
      stdin.pause();
      // the tty handle owns the master fd: destroying it closes the fd
      reader.destroy();
    },
  };
}
