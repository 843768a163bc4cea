// config-linux.md "IntelRdt" (linux.intelRdt) and update's --l3-cache-schema / --mem-bw-schema.
// Where the host mounts resctrl, the container's init lands in its group with the schemata
// asked for, and delete removes the group; where it has none (this project's machines: no
// resctrl in /proc/filesystems), create fails saying so and leaves nothing, as runc does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findResctrl } from '../src/container/intel-rdt.ts';
import { makeBundle } from './lib/bundle.ts';
import { startSleeper } from './lib/containers.ts';
import { Runtime, skipReason } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('rdt');
afterAll(() => rt.cleanup());
const resctrl = findResctrl();

describe.skipIf(!!why)('config-linux.md#intelrdt', () => {
  if ('why' in resctrl) {
    it(`without resctrl on the host (${resctrl.why}) create fails saying so, leaving nothing`, async () => {
      const id = rt.id('none');
      const b = makeBundle(rt, id, (c) => (c.linux.intelRdt = { closID: 'tdtest', l3CacheSchema: 'L3:0=f' }));
      const r = await rt.run(['create', '-b', b.dir, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe(`tdrun: create ${id}: config.json /linux/intelRdt: Intel RDT is not available here: ${resctrl.why}\n`);
      expect(existsSync(join(rt.root, id))).toBe(false);
    });

    it('update --l3-cache-schema / --mem-bw-schema fail saying so', async () => {
      const b = await startSleeper(rt);
      for (const flag of ['--l3-cache-schema=L3:0=f', '--mem-bw-schema=MB:0=50']) {
        const r = await rt.run(['update', flag, b.id]);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toBe(`tdrun: update ${b.id}: Intel RDT schemata: Intel RDT is not available here: ${resctrl.why}\n`);
      }
      await rt.ok(['delete', '-f', b.id]);
    });
  } else {
    const root = resctrl.root;
    it('the init joins the closID group with the schemata; update changes them; delete removes the group', async () => {
      const closID = `tdtest-${process.pid}`;
      const b = await startSleeper(rt, (c) => (c.linux.intelRdt = { closID, schemata: [] }));
      const group = join(root, closID);
      const pid = Number(JSON.parse((await rt.ok(['state', b.id])).stdout).pid);
      expect(readFileSync(join(group, 'tasks'), 'utf8').split('\n')).toContain(String(pid));
      const l3 = readFileSync(join(group, 'schemata'), 'utf8').split('\n').map((l) => l.trim()).find((l) => l.startsWith('L3:'));
      if (l3) {
        await rt.ok(['update', `--l3-cache-schema=${l3}`, b.id]);
        expect(readFileSync(join(group, 'schemata'), 'utf8')).toContain(l3);
      }
      await rt.ok(['delete', '-f', b.id]);
      expect(existsSync(group)).toBe(false);
    });
  }
});
