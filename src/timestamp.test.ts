import { describe, expect, it } from 'vitest';
import { isoTimestamp } from './timestamp.ts';

describe('isoTimestamp', () => {
  it('writes what Date#toISOString writes', () => {
    for (const ms of [0, 951782400123, 1795950000999, Date.now()]) expect(isoTimestamp(new Date(ms))).toBe(new Date(ms).toISOString());
  });
});
