import { describe, expect, it } from 'vitest';
import { native } from './native.ts';

describe('native', () => {
  it('waitPid gives a child\'s exit code or killing signal from the event loop; a process that is not ours is ECHILD', async () => {
    const n = native();
    const exited = n.spawn('/bin/sh', ['sh', '-c', 'exit 3'], [], [0, 1, 2]);
    expect(await n.waitPid(exited)).toEqual({ exitCode: 3, signal: null });
    const sleeper = n.spawn('/bin/sleep', ['sleep', '30'], [], [0, 1, 2]);
    const waiting = n.waitPid(sleeper);
    // the wait does not block the loop: this timer fires while the child still runs
    await new Promise((r) => setTimeout(r, 20));
    process.kill(sleeper, 'SIGKILL');
    expect(await waiting).toEqual({ exitCode: null, signal: 9 });
    await expect(n.waitPid(1)).rejects.toMatchObject({ code: 'ECHILD' });
  });
});
