// Signal names and numbers as runc accepts them (`kill ID TERM`, `SIGTERM`, `15`), and the
// forwarding of tdrun's own signals to a container process for `run` and `exec`.
import { signalNumbers } from './os-tables.ts';
import { TdrunError } from './errors.ts';

// Real-time signals: Linux reserves 32 and 33 for glibc, so SIGRTMIN is 34 as Go's unix package has it.
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Parses a signal given by name (with or without SIG, any case, SIGRTMIN+N) or by number. */
export function parseSignal(raw: string): number {
  const text = raw.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= SIGRTMAX) return n;
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

/** The name Node uses for a signal number, for process.on(). */
export function signalName(n: number): NodeJS.Signals | undefined {
  for (const [name, value] of Object.entries(signalNumbers())) if (value === n) return name as NodeJS.Signals;
  return undefined;
}

// What a supervising `run`/`exec` passes on. SIGCHLD is ours (reaping), SIGKILL/SIGSTOP cannot
// be caught, SIGPROF belongs to V8's profiler, SIGWINCH only matters as a window-size change of
// the pty when there is one.
export const FORWARDED: readonly NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT',
  'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGVTALRM', 'SIGPWR', 'SIGSYS', 'SIGWINCH',
];

/** Forwards tdrun's signals to pid until the returned function is called. SIGWINCH goes to
 *  onWinch instead when given (the pty's size tells the container). */
export function forwardSignals(pid: number, onWinch?: () => void): () => void {
  // Stopping only mutes the handlers: they stay until tdrun exits (it is about to), as runc's
  // do. Each removal would cost Node a round of its signal lock (5 syscalls), and a signal that
  // arrives then is ignored instead of killing tdrun halfway through deleting the container.
  // Nothing may reach pid once it is reaped: the number can belong to another process by then.
  let active = true;
  for (const sig of FORWARDED) {
    if (sig === 'SIGWINCH' && !onWinch) continue;
    process.on(
      sig,
      sig === 'SIGWINCH' && onWinch
        ? () => {
            if (active) onWinch();
          }
        : () => {
            if (!active) return;
            try {
              process.kill(pid, sig);
            } catch {
              // the process is already gone; its exit status arrives through waitPid
            }
          },
    );
  }
  return () => {
    active = false;
  };
}

/** runc's exit status for a waited process: its code, or 128+N when killed by signal N. */
export function exitStatusCode(status: { exitCode: number | null; signal: number | null }): number {
  if (status.signal !== null) return 128 + status.signal;
  return status.exitCode ?? 0;
}
