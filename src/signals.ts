// Signal names and numbers as runc accepts them (`kill ID TERM`, `SIGTERM`, `15`), and the
// forwarding of tdrun's own signals to a container process for `run` and `exec`.
import { signalNumbers } from './os-tables.ts';
import { TdrunError } from './errors.ts';
import { native } from './native.ts';

// Real-time signals: Linux reserves 32 and 33 for glibc, so SIGRTMIN is 34 as Go's unix package has it.
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Parses a signal given by name (with or without SIG, any case, SIGRTMIN+N) or by number; 0 is
 *  runc's liveness check (`kill ID 0`: no signal, exit 0 while the init is alive). */
export function parseSignal(raw: string): number {
  const text = raw.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 0 && n <= SIGRTMAX) return n;
    throw new TdrunError(`invalid signal number: ${raw}`);
  }
  let name = text.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  const number = signalNumbers()[name];
  if (number !== undefined) return number;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const offset = rt[3] ? Number(rt[3]) * (rt[2] === '-' ? -1 : 1) : 0;
    const n = base + offset;
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw new TdrunError(`unknown signal "${raw}"`);
}

/** Forwards tdrun's signals to pid until the returned function is called (the addon says which,
 *  and why not through process.on). SIGWINCH goes to onWinch instead when given: the pty's size
 *  tells the container. */
export function forwardSignals(pid: number, onWinch?: () => void): () => void {
  native().forwardSignals(pid);
  let active = true;
  if (onWinch)
    process.on('SIGWINCH', () => {
      if (active) onWinch();
    });
  return () => {
    active = false;
    native().stopForwarding();
  };
}

/** runc's exit status for a waited process: its code, or 128+N when killed by signal N. */
export function exitStatusCode(status: { exitCode: number | null; signal: number | null }): number {
  if (status.signal !== null) return 128 + status.signal;
  return status.exitCode ?? 0;
}
