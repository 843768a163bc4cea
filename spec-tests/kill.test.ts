// `kill` in the states where runc's behaviour is not the plain signal: a created container's init
// (PID 1 of its pid namespace, waiting for start) and a paused one (frozen).
import { afterAll, describe, expect, it } from 'vitest';
import { createContainer, startSleeper, waitStatus } from './lib/containers.ts';
import { Runtime, skipReason } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('kill');
afterAll(() => rt.cleanup());

describe.skipIf(!!why)('kill, as runc does it', () => {
  it('kill ID (SIGTERM) of a created container makes it stopped', async () => {
    const b = await createContainer(rt, ['/probe', 'exit', '0']);
    expect((await rt.state(b.id)).status).toBe('created');
    await rt.ok(['kill', b.id]);
    expect(await waitStatus(rt, b.id, 'stopped')).toBe('stopped');
    await rt.ok(['delete', b.id]);
  });

  it('kill ID KILL of a paused container thaws it, so it stops', async () => {
    const b = await startSleeper(rt);
    await rt.ok(['pause', b.id]);
    expect((await rt.state(b.id)).status).toBe('paused');
    await rt.ok(['kill', b.id, 'KILL']);
    expect(await waitStatus(rt, b.id, 'stopped')).toBe('stopped');
    await rt.ok(['delete', b.id]);
  });
});
