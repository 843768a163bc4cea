import { describe, expect, it } from 'vitest';
import { exitStatusCode, parseSignal } from './signals.ts';

describe('parseSignal (runc kill SIGNAL forms)', () => {
  it('accepts numbers as engines send them', () => {
    expect(parseSignal('15')).toBe(15);
    expect(parseSignal('9')).toBe(9);
    expect(parseSignal('10')).toBe(10);
  });
  it('accepts names with and without SIG, in any case', () => {
    expect(parseSignal('SIGTERM')).toBe(15);
    expect(parseSignal('TERM')).toBe(15);
    expect(parseSignal('kill')).toBe(9);
    expect(parseSignal('sigusr1')).toBe(10);
  });
  it('accepts real-time signals', () => {
    expect(parseSignal('SIGRTMIN')).toBe(34);
    expect(parseSignal('RTMIN+3')).toBe(37);
    expect(parseSignal('SIGRTMAX-1')).toBe(63);
    expect(parseSignal('64')).toBe(64);
  });
  it('takes 0, runc\'s liveness check', () => {
    expect(parseSignal('0')).toBe(0);
  });
  it('rejects what is not a signal', () => {
    expect(() => parseSignal('65')).toThrow('invalid signal number: 65');
    expect(() => parseSignal('SIGFOO')).toThrow('unknown signal "SIGFOO"');
    expect(() => parseSignal('RTMIN+40')).toThrow('unknown signal');
    expect(() => parseSignal('')).toThrow();
  });
});

describe('exit status', () => {
  it('uses the exit code, or 128+N for a signal like runc', () => {
    expect(exitStatusCode({ exitCode: 3, signal: null })).toBe(3);
    expect(exitStatusCode({ exitCode: null, signal: 9 })).toBe(137);
    expect(exitStatusCode({ exitCode: 0, signal: null })).toBe(0);
  });
});
