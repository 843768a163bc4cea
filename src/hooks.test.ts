import { stdio } from './stdio.ts';
import { describe, it, expect, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHooks, runHooksWarnOnly } from './hooks.ts';
import type { State } from './spec/types.ts';

const state: State = { ociVersion: '1.2.0', id: 'h1', status: 'created', pid: 123, bundle: '/b' };

describe('hooks', () => {
  it('passes argv0, args, exactly the given env, and the state on stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdrun-hooks-'));
    const out = join(dir, 'out');
    const script = join(dir, 'hook.sh');
    writeFileSync(script, `{ echo "$(tr '\\0' '\\n' < /proc/$$/cmdline | head -1)|$1|$FOO|$(env | grep -c .)"; cat; } > ${out}\n`);
    await runHooks('createRuntime', [
      { path: '/bin/sh', args: ['myname', script, 'arg1'], env: ['FOO=bar'] },
    ], state);
    const [line, json] = readFileSync(out, 'utf8').split('\n');
    // sh adds PWD, SHLVL and _ of its own; nothing comes from tdrun's environment
    expect(line.split('|').slice(0, 3)).toEqual(['myname', 'arg1', 'bar']);
    expect(Number(line.split('|')[3])).toBeLessThanOrEqual(4);
    expect(JSON.parse(json)).toEqual(state);
  });
  it('fails with the exit status, the signal or the timeout', async () => {
    await expect(runHooks('prestart', [{ path: '/bin/sh', args: ['sh', '-c', 'echo oops >&2; exit 2'] }], state)).rejects.toThrow(
      'prestart hook /bin/sh: exit status 2, output: oops',
    );
    await expect(runHooks('prestart', [{ path: '/bin/sh', args: ['sh', '-c', 'kill -9 $$'] }], state)).rejects.toThrow(
      'prestart hook /bin/sh: killed by signal 9',
    );
    const t0 = Date.now();
    await expect(runHooks('createRuntime', [{ path: '/bin/sh', args: ['sh', '-c', 'sleep 10'], timeout: 1 }], state)).rejects.toThrow(
      'createRuntime hook /bin/sh: timed out after 1s',
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    await expect(runHooks('prestart', [{ path: '/nonexistent/hook' }], state)).rejects.toThrow(
      'prestart hook /nonexistent/hook: no such file or directory',
    );
  });
  it('stops at the first failure for prestart, warns and goes on for poststop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdrun-hooks-'));
    const mark = join(dir, 'ran');
    const failing = { path: '/bin/false' };
    const marking = { path: '/bin/sh', args: ['sh', '-c', `echo x >> ${mark}`] };
    await expect(runHooks('prestart', [failing, marking], state)).rejects.toThrow('exit status 1');
    expect(() => readFileSync(mark)).toThrow();
    const stderr = vi.spyOn(stdio, 'err').mockImplementation(() => {});
    await runHooksWarnOnly('poststop', [failing, marking, failing], state);
    const warnings = stderr.mock.calls.map((c) => String(c[0]));
    stderr.mockRestore();
    expect(warnings).toEqual(['tdrun: warning: poststop hook /bin/false: exit status 1\n', 'tdrun: warning: poststop hook /bin/false: exit status 1\n']);
    expect(readFileSync(mark, 'utf8')).toBe('x\n');
  });
});
