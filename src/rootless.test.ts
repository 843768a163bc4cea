import { mkdtempSync, rmSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStateRoot, resolveRootless, uidMapLacksHostRoot } from './rootless.ts';
import { limitsAsked } from './cgroups/rootless.ts';
import { isOwnIdOnly } from './container/id-maps.ts';

const INITIAL_NS = '         0          0 4294967295\n';
const PODMAN_NS = '         0       1000          1\n         1     100000      65536\n';

describe('--rootless auto (runc)', () => {
  it('is rootless for any euid but 0, and for root of a namespace that does not map host root', () => {
    expect(resolveRootless('auto', 1000, () => INITIAL_NS)).toBe(true);
    expect(resolveRootless('auto', 0, () => INITIAL_NS)).toBe(false);
    expect(resolveRootless('auto', 0, () => PODMAN_NS)).toBe(true);
    expect(resolveRootless('auto', 0, () => '0 0 1\n1 100000 65536\n')).toBe(false);
  });
  it('true and false are taken as said', () => {
    expect(resolveRootless('true', 0, () => INITIAL_NS)).toBe(true);
    expect(resolveRootless('false', 1000, () => PODMAN_NS)).toBe(false);
  });
  it('reads a uid_map', () => {
    expect(uidMapLacksHostRoot(INITIAL_NS)).toBe(false);
    expect(uidMapLacksHostRoot(PODMAN_NS)).toBe(true);
  });
});

describe('default state root', () => {
  it('is /run/tdrun for root, also in a user namespace as $USER root', () => {
    expect(defaultStateRoot(0, { XDG_RUNTIME_DIR: '/run/user/0' }, () => INITIAL_NS)).toBe('/run/tdrun');
    expect(defaultStateRoot(0, { XDG_RUNTIME_DIR: '/run/user/1000', USER: 'root' }, () => PODMAN_NS)).toBe('/run/tdrun');
  });
  it("is $XDG_RUNTIME_DIR/tdrun for root of a user's namespace (rootless podman), as runc", () => {
    expect(defaultStateRoot(0, { XDG_RUNTIME_DIR: '/run/user/1000', USER: 'alice' }, () => PODMAN_NS)).toBe('/run/user/1000/tdrun');
  });
  it("is $XDG_RUNTIME_DIR/tdrun for another user, who must own it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdg-'));
    try {
      chownSync(dir, 4321, 4321);
      expect(defaultStateRoot(4321, { XDG_RUNTIME_DIR: dir })).toBe(`${dir}/tdrun`);
      expect(() => defaultStateRoot(1234, { XDG_RUNTIME_DIR: dir })).toThrow(`XDG_RUNTIME_DIR ${dir}: is owned by uid 4321, not by uid 1234`);
      expect(() => defaultStateRoot(4321, {})).toThrow('XDG_RUNTIME_DIR is not set: a non-root user needs it');
      expect(() => defaultStateRoot(4321, { XDG_RUNTIME_DIR: 'run/user' })).toThrow('is not an absolute path');
      expect(() => defaultStateRoot(4321, { XDG_RUNTIME_DIR: join(dir, 'gone') })).toThrow('no such file or directory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rootless limits', () => {
  it('every limit but device rules needs a cgroup', () => {
    expect(limitsAsked({ devices: [{ allow: false, access: 'rwm' }] })).toEqual([]);
    expect(limitsAsked({ memory: {}, cpu: { shares: undefined } })).toEqual([]);
    expect(limitsAsked({ memory: { limit: 1 << 20 }, pids: { limit: 10 } })).toEqual(['memory', 'pids']);
    expect(limitsAsked({ unified: { 'memory.max': '1M' }, hugepageLimits: [] })).toEqual(['unified']);
  });
});

describe('id maps', () => {
  it('only a one-line map of the own id is written without newuidmap', () => {
    expect(isOwnIdOnly([{ containerID: 0, hostID: 1000, size: 1 }], 1000)).toBe(true);
    expect(isOwnIdOnly([{ containerID: 0, hostID: 1000, size: 2 }], 1000)).toBe(false);
    expect(isOwnIdOnly([{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 10 }], 1000)).toBe(false);
    expect(isOwnIdOnly([{ containerID: 0, hostID: 1001, size: 1 }], 1000)).toBe(false);
  });
});
