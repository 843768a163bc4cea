// cgroup v2 device rules: the C++ unit test of the program generator (ctest), and the TypeScript
// path that feeds it, on this host's cgroup2 mount (hybrid hosts have one too: a device program
// attached there is enforced as on a pure v2 host). The container-level test runs in the pure
// cgroup v2 guest (spec-tests/cgroup-v2-guest.test.ts).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyDevicesV2 } from './devices.ts';

const repo = resolve(import.meta.dirname, '../..');

describe('device program generator (C++, ctest)', () => {
  it('passes the interpreter and kernel checks', () => {
    const r = spawnSync('ctest', ['--test-dir', 'build', '--output-on-failure', '-V'], { cwd: repo, encoding: 'utf8' });
    expect(r.error, 'ctest must be installed (cmake brings it)').toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('device filter: all checks passed');
    // the kernel half needs root and a cgroup2 mount; the interpreter half runs everywhere
    if (r.stdout.includes('kernel half skipped')) console.warn(r.stdout.match(/kernel half skipped: .*/)![0]);
  });
});

const cgroup2 = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .find((l) => l.includes(' - cgroup2 '))
  ?.split(' ')[4];
const root = process.getuid?.() === 0;

describe.skipIf(!root || !cgroup2)('applyDevicesV2 on the real cgroup2 mount (root)', () => {
  function inCgroup(dir: string, script: string): { status: number | null; stderr: string } {
    // the child moves itself, so only it meets the rules
    const r = spawnSync('/bin/sh', ['-c', `echo $$ > ${dir}/cgroup.procs && ${script}`], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  }

  it("tdrun spec's rule denies /dev/kmsg and keeps the default devices; update replaces the program; undo detaches it", () => {
    const dir = `${cgroup2}/tdrun-unit-devices-${process.pid}`;
    mkdirSync(dir);
    try {
      expect(applyDevicesV2(dir, [], false), 'nothing to enforce: no program').toBeUndefined();
      const detachFirst = applyDevicesV2(dir, [{ allow: false, access: 'rwm' }], false)!;
      expect(inCgroup(dir, 'echo x > /dev/null && head -c1 /dev/zero >/dev/null').status).toBe(0);
      const denied = inCgroup(dir, 'exec 3>/dev/kmsg');
      expect(denied.status).not.toBe(0);
      expect(denied.stderr).toMatch(/not permitted/i);
      // an update that opens /dev/kmsg for writing replaces the first program rather than adding to it
      const detachSecond = applyDevicesV2(dir, [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }], true)!;
      expect(inCgroup(dir, 'exec 3>/dev/kmsg').status).toBe(0);
      expect(inCgroup(dir, 'exec 3</dev/kmsg').status).not.toBe(0);
      detachFirst();
      expect(inCgroup(dir, 'exec 3</dev/kmsg').status, 'the first program was gone already').not.toBe(0);
      // what a failed create does in a cgroup it did not make
      detachSecond();
      expect(inCgroup(dir, 'exec 3</dev/kmsg').status).toBe(0);
      detachSecond();
    } finally {
      rmdirSync(dir);
    }
  });

  it('a rule that cannot be enforced is an error naming the setting', () => {
    expect(() => applyDevicesV2('/nonexistent-cgroup', [{ allow: false, access: 'rwm' }], false)).toThrow(
      /^\/linux\/resources\/devices: open \/nonexistent-cgroup: no such file or directory$/,
    );
    expect(() =>
      applyDevicesV2('/nonexistent-cgroup', [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 2 ** 33, minor: 1, access: 'r' }], false),
    ).toThrow(/device numbers must fit in 32 bits/);
  });
});
