// OCI hooks run by tdrun itself (prestart, createRuntime, poststart, poststop; the in-container
// ones run in tdrun-init). child_process is imported only when a hook exists: most calls have none.
import { signalNumbers } from './os-tables.ts';
import type { Hook, State } from './spec/types.ts';
import { TdrunError, describe, errnoText } from './errors.ts';
import { warn } from './log.ts';

export type HookKind = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

// How a hook runs is said once, in addon/init/hooks.h (tdrun-init runs createContainer and
// startContainer hooks the same way): the first OUTPUT_LIMIT bytes of its stdout and stderr end
// the error of a failed one, its exit decides, and what it left behind holding its output gets
// OUTPUT_GRACE_MS to finish writing. spec-tests/hooks.test.ts checks both sides, and these
// numbers against hooks.h.
export const OUTPUT_LIMIT = 1024;
export const OUTPUT_GRACE_MS = 100;

/** Output as it appears in an error: trimmed, each run of white space with a line break as " / ". */
function oneLine(output: Buffer): string {
  // C's isspace(): tdrun-init's oneLine() reads it so
  return output
    .toString('utf8')
    .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
    .replace(/[ \t\n\v\f\r]*\n[ \t\n\v\f\r]*/g, ' / ');
}

function envObject(env: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new TdrunError(`hook env ${JSON.stringify(entry)}`, 'not in the form KEY=VALUE');
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

async function runOne(kind: HookKind, hook: Hook, stateJson: string): Promise<void> {
  const what = `${kind} hook ${hook.path}`;
  const { spawn } = await import('node:child_process');
  const args = hook.args ?? [];
  await new Promise<void>((resolve, reject) => {
    let child;
    try {
      child = spawn(hook.path, args.slice(1), {
        argv0: args[0] ?? hook.path,
        // exactly the hook's env: nothing of tdrun's own environment leaks into it
        env: envObject(hook.env),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      reject(err instanceof TdrunError ? err : new TdrunError(what, describe(err)));
      return;
    }
    const output: Buffer[] = [];
    let kept = 0;
    const collect = (chunk: Buffer) => {
      if (kept >= OUTPUT_LIMIT) return;
      output.push(chunk.subarray(0, OUTPUT_LIMIT - kept));
      kept += output[output.length - 1].length;
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let timedOut = false;
    const timer =
      hook.timeout && hook.timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000)
        : undefined;
    // a hook need not read its stdin: EPIPE there is not a failure
    child.stdin!.on('error', () => {});
    child.stdin!.end(stateJson);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(new TdrunError(what, err.code ? errnoText(err.code) : describe(err)));
    });
    // a hook may leave a daemon behind that keeps our pipes open: the hook's exit decides, and
    // its output gets a short grace to drain
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      child.stdout!.destroy();
      child.stderr!.destroy();
      if (code === 0) return resolve();
      let why: string;
      if (timedOut) why = `timed out after ${hook.timeout}s`;
      else if (signal) why = `killed by signal ${signalNumber(signal)}`;
      else why = `exit status ${code}`;
      const out = oneLine(Buffer.concat(output));
      reject(new TdrunError(what, out ? `${why}, output: ${out}` : why));
    };
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      setTimeout(() => finish(code, signal), OUTPUT_GRACE_MS);
      child.on('close', () => finish(code, signal));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | string {
  return signalNumbers()[signal] ?? signal;
}

/** prestart / createRuntime: the first failure aborts (and the caller undoes the create). */
export async function runHooks(kind: HookKind, hooks: Hook[] | undefined, state: State): Promise<void> {
  if (!hooks || hooks.length === 0) return;
  const json = JSON.stringify(state);
  for (const hook of hooks) await runOne(kind, hook, json);
}

/** poststart / poststop: the spec makes failures warnings, and the remaining hooks still run. */
export async function runHooksWarnOnly(kind: HookKind, hooks: Hook[] | undefined, state: State): Promise<void> {
  if (!hooks || hooks.length === 0) return;
  const json = JSON.stringify(state);
  for (const hook of hooks) {
    try {
      await runOne(kind, hook, json);
    } catch (err) {
      warn(describe(err));
    }
  }
}
