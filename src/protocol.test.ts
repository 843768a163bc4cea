// The wire protocol is written twice, src/protocol.ts and addon/init/protocol.h: this test reads
// both and holds them to the same message numbers and header.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './paths.ts';

const read = (path: string) => readFileSync(resolve(projectRoot, path), 'utf8');

function enumBody(source: string, start: RegExp): Map<string, number> {
  const at = source.search(start);
  expect(at, `${start} in the source`).toBeGreaterThanOrEqual(0);
  const body = source.slice(at, source.indexOf('}', at));
  return new Map([...body.matchAll(/^\s*(\w+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]));
}

describe('wire protocol: src/protocol.ts and addon/init/protocol.h', () => {
  const header = read('addon/init/protocol.h');
  const ts = read('src/protocol.ts');

  it('have the same messages with the same numbers', () => {
    const cpp = enumBody(header, /enum class Msg : uint32_t \{/);
    const mine = enumBody(ts, /export const enum Msg \{/);
    expect(cpp.size).toBeGreaterThan(5);
    expect(Object.fromEntries(mine)).toEqual(Object.fromEntries(cpp));
  });

  it('have the same 12-byte header { u32 type; i32 value; u32 length }', () => {
    expect(header).toMatch(/struct Header \{\s*uint32_t type;\s*int32_t value;\s*uint32_t length;\s*\};/);
    expect(header).toMatch(/static_assert\(sizeof\(Header\) == 12,/);
    expect(ts).toMatch(/const HEADER_BYTES = 12;/);
    expect(ts).toMatch(/writeUInt32LE\(type, 0\);\s*header\.writeInt32LE\(value, 4\);\s*header\.writeUInt32LE\(body\.length, 8\);/);
  });

  it("tdrun-init's message names (addon/init/sync.cc, for its errors) cover every message", () => {
    const names = [...read('addon/init/sync.cc').matchAll(/case proto::Msg::(\w+): return "(\w+)";/g)];
    expect(names.map((m) => m[1])).toEqual(names.map((m) => m[2]));
    expect(names.map((m) => m[1]).sort()).toEqual([...enumBody(header, /enum class Msg : uint32_t \{/).keys()].sort());
  });
});
