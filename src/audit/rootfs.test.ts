import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS, scanRootfs } from './rootfs.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(): { outside: string; rootfs: string } {
  const top = mkdtempSync(join(tmpdir(), 'tdrun-audit-'));
  dirs.push(top);
  const outside = join(top, 'outside');
  const rootfs = join(top, 'rootfs');
  mkdirSync(outside);
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(outside, 'host.key'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n');
  return { outside, rootfs };
}

describe('rootfs scan', () => {
  it('never follows a symlink out of the rootfs', () => {
    const { outside, rootfs } = tree();
    symlinkSync(outside, join(rootfs, 'escape'));
    symlinkSync(join(outside, 'host.key'), join(rootfs, 'etc/key.pem'));
    const hits = scanRootfs(rootfs);
    expect([...hits.values()].flat()).toEqual([]);
  });

  it('TD605: says when it stopped at its limit instead of passing silently', () => {
    const { rootfs } = tree();
    for (let i = 0; i < 20; i++) writeFileSync(join(rootfs, `f${i}`), '');
    expect(scanRootfs(rootfs, { ...DEFAULT_LIMITS, entries: 5 }).get('TD605')).toEqual([{ path: '/', detail: 'stopped after 5 entries' }]);
    expect(scanRootfs(rootfs).get('TD605')).toEqual([]);
  });

  it('TD605: stops reading file contents at the byte budget', () => {
    const { rootfs } = tree();
    writeFileSync(join(rootfs, 'a'), 'x'.repeat(100));
    writeFileSync(join(rootfs, 'b'), 'x'.repeat(100));
    expect(scanRootfs(rootfs, { ...DEFAULT_LIMITS, bytes: 50 }).get('TD605')![0].detail).toBe('read 50 bytes of files');
  });
});
