import { stdio } from './stdio.ts';
import { describe as suite, it, expect, vi, afterEach } from 'vitest';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TdrunError, describe, errnoText } from './errors.ts';
import { reportError, setupLog, warn, debug } from './log.ts';

suite('errors', () => {
  it('prints errno texts the way runc (Go) does', () => {
    expect(errnoText('EPERM')).toBe('operation not permitted');
    expect(errnoText(1)).toBe('operation not permitted');
    expect(errnoText('EBUSY')).toBe('device or resource busy');
    expect(errnoText('EEXIST')).toBe('file exists');
    expect(errnoText(10)).toBe('no child processes');
  });
  it('describes any error in one line', () => {
    expect(describe(new TdrunError('mount proc on /proc', 'operation not permitted'))).toBe('mount proc on /proc: operation not permitted');
    let fsErr: unknown;
    try {
      openSync('/run/tdrun/does-not-exist/state.json', 'r');
    } catch (err) {
      fsErr = err;
    }
    expect(describe(fsErr)).toBe('open /run/tdrun/does-not-exist/state.json: no such file or directory');
    expect(describe(new Error('plain'))).toBe('plain');
    expect(describe('text')).toBe('text');
  });
});

suite('log', () => {
  afterEach(() => setupLog({ format: 'text', debug: false }));
  it('writes the error to stderr and a JSON line engines can read', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tdrun-log-')), 'log.json');
    const stderr = vi.spyOn(stdio, 'err').mockImplementation(() => {});
    setupLog({ file, format: 'json', debug: false });
    debug('hidden');
    warn('careful');
    reportError('create', 'c1', 'mount proc on /proc: operation not permitted');
    reportError('list', undefined, 'boom');
    const printed = stderr.mock.calls.map((c) => String(c[0]));
    stderr.mockRestore();
    expect(printed).toEqual([
      'tdrun: warning: careful\n',
      'tdrun: create c1: mount proc on /proc: operation not permitted\n',
      'tdrun: list: boom\n',
    ]);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warning', 'careful'],
      ['error', 'create c1: mount proc on /proc: operation not permitted'],
      ['error', 'list: boom'],
    ]);
    expect(Date.parse(lines[1].time)).not.toBeNaN();
  });
});
