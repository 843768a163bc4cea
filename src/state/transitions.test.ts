import { describe, expect, it } from 'vitest';
import { refusal } from './transitions.ts';

describe('the lifecycle transition table', () => {
  it('accepts what runc accepts', () => {
    expect(refusal('start', 'c', 'created')).toBeNull();
    expect(refusal('delete', 'c', 'stopped')).toBeNull();
    expect(refusal('delete', 'c', 'created'), 'runc deletes a never started container without --force').toBeNull();
    for (const status of ['creating', 'created', 'running', 'paused', 'stopped'] as const) expect(refusal('delete --force', 'c', status)).toBeNull();
    expect(refusal('pause', 'c', 'created')).toBeNull();
    expect(refusal('resume', 'c', 'paused')).toBeNull();
    expect(refusal('kill', 'c', 'paused')).toBeNull();
    expect(refusal('kill --all', 'c', 'stopped'), "containerd's shim kills --all after the init exited").toBeNull();
    expect(refusal('exec --ignore-paused', 'c', 'paused')).toBeNull();
    expect(refusal('update', 'c', 'paused')).toBeNull();
  });
  it("refuses the rest with runc's words", () => {
    expect(refusal('start', 'c', 'running')).toBe('cannot start an already running container');
    expect(refusal('start', 'c', 'stopped')).toBe('cannot start a container that has stopped');
    expect(refusal('delete', 'c1', 'running')).toBe('cannot delete container c1 that is not stopped: running');
    expect(refusal('pause', 'c', 'paused')).toBe('container not running');
    expect(refusal('resume', 'c', 'running')).toBe('container not paused');
    expect(refusal('kill', 'c', 'stopped')).toBe('container not running');
    expect(refusal('kill --all', 'c', 'creating')).toBe('container is still being created');
    expect(refusal('exec', 'c', 'paused')).toBe('cannot exec in a paused container');
    expect(refusal('exec', 'c', 'stopped')).toBe('cannot exec in a stopped container');
    expect(refusal('update', 'c', 'stopped')).toBe('cannot update a container in the stopped state');
  });
});
