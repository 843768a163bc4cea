// Output for the short-lived commands. The process.stdout/stderr getters build a stream (and
// load node:stream, net or tty) on first use: more than the rest of a `state` costs.
// A plain write(2) is what those streams do on Linux for files, pipes and terminals anyway.
import { writeAll } from './files.ts';
import { native } from './native.ts';
import { TdrunError } from './errors.ts';
import { LAUNCHER_NODE_FLAG } from './paths.ts';

/** Set once some output went through Node's streams, which may still hold it when we exit. */
let streamsUsed = false;

/** For code that writes to process.stdout/stderr streams itself (a terminal session). */
export function markStreamsUsed(): void {
  streamsUsed = true;
}

function writeFd(fd: 1 | 2, text: string): void {
  writeAll(fd, Buffer.from(text));
}

/** An object (not bare functions) so tests can intercept what tdrun prints. */
export const stdio = {
  out(text: string): void {
    writeFd(1, text);
  },
  err(text: string): void {
    writeFd(2, text);
  },
};

/**
 * Ends the process with `code`. process.exit would also join Node's worker threads and tear
 * V8 down, in every call; tdrun has nothing left to flush when all its output went out
 * through write(2), so it then goes straight to _exit after the 'exit' listeners (the
 * launcher's code cache writer) ran. Output still in a stream takes the long way, and so does a
 * Node started with options of its own (--cpu-prof, NODE_V8_COVERAGE...), which write at exit.
 */
export function exitProcess(code: number): never {
  const plainNode =
    process.execArgv.every((a) => a === LAUNCHER_NODE_FLAG) && !process.env.NODE_OPTIONS && !process.env.NODE_V8_COVERAGE;
  let exitNow: ((code: number) => never) | undefined;
  try {
    exitNow = native().exitNow;
  } catch {
    // no addon: the error that says so was reported already
  }
  if (streamsUsed || !plainNode || !exitNow) process.exit(code);
  process.exitCode = code;
  process.emit('exit', code);
  return exitNow(code);
}

/**
 * `run`/`exec` with a terminal and no --console-socket join the pty to our own stdin. Without a
 * terminal there, the container's shell would wait for an end of input that never comes (EOF on
 * a pipe or /dev/null is not one on a pty), so refuse before anything is made, as runc does.
 */
export function requireTerminalStdin(): void {
  if (!process.getBuiltinModule('node:tty').isatty(0)) {
    throw new TdrunError('process.terminal without --console-socket', 'standard input is not a terminal');
  }
}
