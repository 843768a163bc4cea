// An attached run or exec whose process outlives the grace (src/container/supervise.ts) turns into
// tdrun-supervise in place: the same pid, under 1 MiB resident, signals forwarded, the pty
// relayed, the exit status passed on, and (run) the container deleted through tdrun afterwards.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle } from './lib/bundle.ts';
import { startSleeper } from './lib/containers.ts';
import { collect, Runtime, skipReason, waitFor } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('supervise');
afterAll(() => rt.cleanup());

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

// A shell that is PID 1 of its pid namespace only dies of the signals it handles.
const TRAPPING = ['/bin/sh', '-c', 'trap "echo got-usr1" USR1; trap "exit 7" TERM; echo ready; while :; do sleep 1 & wait $!; done'];

/** Starts tdrun with TRAPPING, sees it become the supervisor, signals it USR1 then TERM. */
async function superviseTrapping(args: string[]): Promise<void> {
  const child = rt.spawn(args);
  const done = collect(child, 30_000);
  expect(await waitFor(() => comm(child.pid!) === 'tdrun-supervise', 10_000)).toBe(true);
  expect(rssKiB(child.pid!)).toBeLessThanOrEqual(1024);
  child.kill('SIGUSR1');
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const r = await done;
  expect(r.stdout).toBe('ready\ngot-usr1\n');
  expect(r.code, r.stderr).toBe(7);
}

describe.skipIf(!!why)('attached run and exec hand over to tdrun-supervise', () => {
  it('run: same pid, under 1 MiB, signals forwarded, exit status passed on, container deleted', async () => {
    const id = rt.id('run');
    const b = makeBundle(rt, id, (c) => (c.process.args = TRAPPING));
    await superviseTrapping(['run', '-b', b.dir, id]);
    expect((await rt.run(['state', id])).code, 'run deleted the container').not.toBe(0);
  });

  it('run --keep: the container stays after its process exits', async () => {
    const id = rt.id('keep');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['/bin/sh', '-c', 'sleep 0.5; exit 4']));
    const child = rt.spawn(['run', '--keep', '-b', b.dir, id]);
    const done = collect(child, 30_000);
    expect(await waitFor(() => comm(child.pid!) === 'tdrun-supervise', 10_000)).toBe(true);
    expect((await done).code).toBe(4);
    expect((await rt.state(id)).status).toBe('stopped');
    await rt.ok(['delete', id]);
  });

  it('exec: same pid, under 1 MiB, signals forwarded, exit status passed on', async () => {
    const b = await startSleeper(rt);
    await superviseTrapping(['exec', b.id, ...TRAPPING]);
  });

  it('run with a terminal: the supervisor relays the pty both ways and passes the status on', async () => {
    const id = rt.id('tty');
    const b = makeBundle(rt, id, (c) => {
      c.process.terminal = true;
      // reads a line typed after the hand-over, then answers through the pty
      c.process.args = ['/bin/sh', '-c', 'sleep 0.5; read line; echo "tty=$(tty) got=$line"; exit 5'];
    });
    const typed = await rt.runOnTerminal(['run', '-b', b.dir, id], 'hello\n');
    expect(typed.stdout).toMatch(/tty=\/dev\/pts\/\d+ got=hello/);
    expect(typed.code, typed.stderr).toBe(5);
  });

  it('a process that ends within the grace is waited for by tdrun itself (no hand-over, no second start)', async () => {
    const id = rt.id('quick');
    const b = makeBundle(rt, id, (c) => (c.process.args = ['/probe', 'exit', '3']));
    const r = await rt.run(['--debug', 'run', '-b', b.dir, id]);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('handed over');
  });
});
