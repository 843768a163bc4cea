// Running bin/tdrun from the spec-tests: one runtime root per test file, every call a real process.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { probePath, projectRoot } from '../../src/paths.ts';

export { projectRoot, probePath };
export const tdrunBin = resolve(projectRoot, 'bin/tdrun');
export const workDir = resolve(projectRoot, 'spec-tests/.work');
export const templateRootfs = resolve(workDir, 'template/rootfs');

/** Why the real-container suites cannot run here, or null when they can. */
export function runtimeMissing(): string | null {
  if (process.getuid?.() !== 0) return 'spec-tests need root';
  if (!existsSync(tdrunBin)) return `${tdrunBin} is not built (npm run build)`;
  if (!existsSync(probePath)) return `${probePath} is not built (npm run build:native)`;
  if (!existsSync(resolve(templateRootfs, 'probe'))) return `template rootfs ${templateRootfs} missing (global setup)`;
  return null;
}

/** Prints the reason once per file, so a skipped suite never passes silently. */
export function skipReason(): string | null {
  const why = runtimeMissing();
  if (why) console.warn(`spec-tests skipped: ${why}`);
  return why;
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  cwd?: string;
  /** global flags placed before the subcommand (after --root) */
  global?: string[];
  /** extra fds for the child: stdio[3..] */
  stdio?: SpawnOptions['stdio'];
  env?: NodeJS.ProcessEnv;
}

/** Collects a child's output and exit; a timeout SIGKILLs it and says so in stderr. */
export function collect(child: ChildProcess, timeoutMs: number, input?: string): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (timedOut) stderr += `\n[spec-tests: killed after ${timeoutMs} ms]`;
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolvePromise({ code, signal, stdout, stderr });
    };
    child.on('close', finish);
    // A created container keeps tdrun's stdio (that is the contract), so the pipes stay open after
    // tdrun exits: take what arrived shortly after the exit instead of waiting for 'close'.
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 250));
    if (child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
    }
  });
}

let counter = 0;

export class Runtime {
  readonly root: string;
  /** where this suite's bundles go (spec-tests/lib/bundle.ts); removed by cleanup() */
  readonly bundles: string;
  private readonly tag: string;

  constructor(tag: string) {
    this.tag = tag;
    this.root = `/run/tdrun-test-${process.pid}-${tag}`;
    this.bundles = resolve(workDir, 'bundles', `${process.pid}-${tag}`);
  }

  /** A container id unique within this run. */
  id(name = 'c'): string {
    counter += 1;
    return `${this.tag}-${name}-${process.pid}-${counter}`;
  }

  spawn(args: string[], opts: RunOptions = {}): ChildProcess {
    return spawn(tdrunBin, ['--root', this.root, ...(opts.global ?? []), ...args], {
      cwd: opts.cwd ?? projectRoot,
      stdio: opts.stdio ?? ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
  }

  run(args: string[], opts: RunOptions = {}): Promise<Result> {
    return collect(this.spawn(args, opts), opts.timeoutMs ?? 30_000, opts.input);
  }

  /** Runs tdrun with a terminal as its stdin, as from a person's shell: script(1) makes one and
   *  feeds `input` to it (a `run` with process.terminal refuses any other stdin). */
  runOnTerminal(args: string[], input: string, timeoutMs = 30_000): Promise<Result> {
    const command = [tdrunBin, '--root', this.root, ...args].join(' ');
    return collect(spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] }), timeoutMs, input);
  }

  /** Runs and fails the test with the full output unless the exit status is 0. */
  async ok(args: string[], opts: RunOptions = {}): Promise<Result> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`tdrun ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  }

  async state(id: string): Promise<Record<string, any>> {
    const r = await this.ok(['state', id]);
    return JSON.parse(r.stdout);
  }

  /** delete -f of every container under this root, then the root itself and the bundles (a
   *  rootfs copy each, ~600 MB per run of the suites otherwise left behind). */
  async cleanup(): Promise<void> {
    if (existsSync(this.root)) {
      const list = await this.run(['list', '-q']);
      for (const id of list.stdout.split('\n').filter(Boolean)) await this.run(['delete', '-f', id]);
      rmSync(this.root, { recursive: true, force: true });
    }
    rmSync(this.bundles, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn() is truthy or the deadline passes; returns the last value. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5000, stepMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(stepMs);
  }
}
