// `--systemd-cgroup` on this host, whose PID 1 is not systemd: a clear error and nothing left
// behind. The driver itself, against a running systemd, is tested in the QEMU guest
// (spec-tests/systemd-v2-guest.test.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle } from './lib/bundle.ts';
import { existingCgroupDirs } from './lib/host.ts';
import { Runtime, skipReason } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('systemd');
afterAll(() => rt.cleanup());
const systemdRuns = existsSync('/run/systemd/system');

describe.skipIf(!!why)('the systemd cgroup driver (--systemd-cgroup)', () => {
  it.skipIf(systemdRuns)('without systemd running, run fails saying so and leaves no state, cgroup or process', async () => {
    const id = rt.id('nosd');
    const b = makeBundle(rt, id, (c) => (c.linux.cgroupsPath = `system.slice:tdrun:${id}`));
    const r = await rt.run(['--systemd-cgroup', 'run', '-b', b.dir, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: run ${id}: --systemd-cgroup: systemd is not running on this host \\(no /run/systemd/system; PID 1 is ".*"\\)\\n$`));
    expect((await rt.run(['list', '-q'])).stdout).not.toContain(id);
    expect(existsSync(join(rt.root, id))).toBe(false);
    expect(existingCgroupDirs(`system.slice/tdrun-${id}.scope`)).toEqual([]);
  });

  it('config-linux.md#cgroups-path: a cgroupsPath not of the form "slice:prefix:name" is a config error naming the field', async () => {
    const id = rt.id('badpath');
    const b = makeBundle(rt, id, (c) => (c.linux.cgroupsPath = '/tdrun/plain'));
    const r = await rt.run(['--systemd-cgroup', 'create', '-b', b.dir, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tdrun: create ${id}: /linux/cgroupsPath "/tdrun/plain": the systemd cgroup driver needs the form "slice:prefix:name"\n`);
  });

  it('an org.systemd.property.* annotation tdrun cannot read is a config error naming it', async () => {
    const id = rt.id('badprop');
    const b = makeBundle(rt, id, (c) => (c.annotations = { 'org.systemd.property.DeviceAllow': "[('/dev/null', 'rw')]" }));
    const r = await rt.run(['--systemd-cgroup', 'create', '-b', b.dir, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: /annotations/org.systemd.property.DeviceAllow: .*GVariant`));
    expect(existsSync(join(rt.root, id))).toBe(false);
  });

  it('a "slice:prefix:name" cgroupsPath without --systemd-cgroup names the flag it needs', async () => {
    const id = rt.id('noflag');
    const b = makeBundle(rt, id, (c) => (c.linux.cgroupsPath = `system.slice:tdrun:${id}`));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs the systemd cgroup driver \(--systemd-cgroup\)/);
    expect(existsSync(join(rt.root, id))).toBe(false);
  });
});
