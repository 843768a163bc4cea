// Diagnostics: the one-line runc-style error on stderr, plus the --log file that engines read.
// containerd and podman show the msg of the last {"level":"error"} JSON line, so every error
// reported here also lands in the log file when one is given.
import { appendFileSync } from 'node:fs';
import { errnoText } from './errors.ts';
import { stdio } from './stdio.ts';
import { isoTimestamp } from './timestamp.ts';

interface LogSetup {
  file?: string;
  format: 'text' | 'json';
  debug: boolean;
}

// a diagnostic that cannot reach a closed stderr has nowhere else to go (the log gets it anyway)
function toStderr(line: string): void {
  try {
    stdio.err(line);
  } catch {
    // EPIPE/EBADF: the caller stopped listening
  }
}

let setup: LogSetup = { format: 'text', debug: false };

export function setupLog(opts: { file?: string; format: 'text' | 'json'; debug: boolean }): void {
  setup = { file: opts.file || undefined, format: opts.format, debug: opts.debug };
}

/** The global flags that give another tdrun call this call's log and debug settings. */
export function logFlags(): string[] {
  return [...(setup.file ? ['--log', setup.file, '--log-format', setup.format] : []), ...(setup.debug ? ['--debug'] : [])];
}

// text format: the log gets exactly the line printed on stderr
function writeLog(level: 'error' | 'warning' | 'debug', msg: string, textLine: string): void {
  if (!setup.file) return;
  const line =
    setup.format === 'json' ? JSON.stringify({ level, msg, time: isoTimestamp() }) + '\n' : textLine;
  try {
    // O_APPEND keeps lines whole when several tdrun calls share one log file
    appendFileSync(setup.file, line, { mode: 0o644 });
  } catch (err) {
    // the log is secondary: never let a bad --log path hide the real error on stderr
    const code = (err as NodeJS.ErrnoException).code;
    toStderr(`tdrun: write log ${setup.file}: ${code ? errnoText(code) : String(err)}\n`);
    setup.file = undefined;
  }
}

/** `tdrun: <op> <id>: <message>` on stderr, and the same msg (without "tdrun: ") in the log. */
export function reportError(op: string, id: string | undefined, message: string): void {
  const msg = id ? `${op} ${id}: ${message}` : `${op}: ${message}`;
  const line = `tdrun: ${msg}\n`;
  toStderr(line);
  writeLog('error', msg, line);
}

export function warn(message: string): void {
  const line = `tdrun: warning: ${message}\n`;
  toStderr(line);
  writeLog('warning', message, line);
}

/** --debug: a line with the time since Node's time origin (set a little after the exec), so that a run
 *  reads as a profile (bench/profile.mts takes medians of them). */
export function debug(message: string): void {
  if (!setup.debug) return;
  const line = `tdrun: debug: [${performance.now().toFixed(1)} ms] ${message}\n`;
  toStderr(line);
  writeLog('debug', message, line);
}
