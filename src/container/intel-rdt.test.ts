// linux.intelRdt against a fake resctrl directory (this machine has no resctrl filesystem; the
// spec-test spec-tests/intelrdt.test.ts runs the real one where a host has it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findResctrl, leaveIntelRdt, makeIntelRdt, rdtPlacement, schemataLines, tasksFile, updateSchemata } from './intel-rdt.ts';

const fake = () => mkdtempSync(join(tmpdir(), 'tdrun-resctrl-'));

describe('intelRdt', () => {
  it('finds the resctrl mount in mountinfo, or says why there is none', () => {
    const line = '41 25 0:37 / /sys/fs/res\\040ctrl rw,relatime shared:20 - resctrl resctrl rw';
    expect(findResctrl(`22 1 0:21 / /proc rw - proc proc rw\n${line}\n`, 'nodev\tresctrl\n')).toEqual({ root: '/sys/fs/res ctrl' });
    expect(findResctrl('22 1 0:21 / /proc rw - proc proc rw\n', 'nodev\tproc\nnodev\tresctrl\n')).toEqual({ why: expect.stringMatching(/not mounted/) });
    expect(findResctrl('22 1 0:21 / /proc rw - proc proc rw\n', 'nodev\tproc\n')).toEqual({ why: expect.stringMatching(/no resctrl filesystem/) });
  });

  it('schemata: l3CacheSchema, memBwSchema, then schemata (a list, or lines in one string)', () => {
    expect(schemataLines({ l3CacheSchema: 'L3:0=ff', memBwSchema: 'MB:0=20', schemata: ['L2:0=f', ' '] })).toEqual(['L3:0=ff', 'MB:0=20', 'L2:0=f']);
    expect(schemataLines({ schemata: 'L3:0=7f0;1=1f\nL2:0=f\nMB:0=20;1=70' })).toEqual(['L3:0=7f0;1=1f', 'L2:0=f', 'MB:0=20;1=70']);
    expect(schemataLines({})).toEqual([]);
  });

  it('the closID group (the id without one) is made and given the schemata; tdrun-init joins through its tasks', () => {
    const root = fake();
    const rdt = { closID: 'gold', l3CacheSchema: 'L3:0=ff', memBwSchema: 'MB:0=20' };
    const planned = rdtPlacement(root, rdt, 'c1');
    expect(tasksFile(planned)).toBe(join(root, 'gold/tasks'));
    expect(makeIntelRdt(root, rdt, planned)).toEqual({ group: join(root, 'gold'), created: true, monitor: null });
    expect(readFileSync(join(root, 'gold/schemata'), 'utf8')).toBe('L3:0=ff\nMB:0=20\n');
    expect(rdtPlacement(root, { l3CacheSchema: 'L3:0=f' }, 'c2').group).toBe(join(root, 'c2'));
  });

  it('shares an existing group without taking it away at delete; enableMonitoring uses mon_groups/<id>', () => {
    const root = fake();
    mkdirSync(join(root, 'shared/mon_groups'), { recursive: true });
    const rdt = { closID: 'shared', enableMonitoring: true };
    const planned = rdtPlacement(root, rdt, 'c1');
    expect(tasksFile(planned)).toBe(join(root, 'shared/mon_groups/c1/tasks'));
    const p = makeIntelRdt(root, rdt, planned);
    expect(p).toEqual({ group: join(root, 'shared'), created: false, monitor: join(root, 'shared/mon_groups/c1') });
    expect(existsSync(join(root, 'shared/schemata'))).toBe(false);
    leaveIntelRdt(p);
    expect(existsSync(join(root, 'shared/mon_groups/c1'))).toBe(false);
    expect(existsSync(join(root, 'shared'))).toBe(true);
    const made = mkdtempSync(join(root, 'made-'));
    leaveIntelRdt({ group: made, created: true, monitor: null });
    expect(existsSync(made)).toBe(false);
  });

  it('a refused schemata line is an error with what the kernel said; the group made goes again', () => {
    const root = fake();
    mkdirSync(join(root, 'info'));
    writeFileSync(join(root, 'info/last_cmd_status'), 'Unknown or unsupported resource name \'L9\'\n');
    mkdirSync(join(root, 'bad/schemata'), { recursive: true });
    const rdt = { closID: 'bad', schemata: ['L9:0=1'] };
    expect(() => makeIntelRdt(root, rdt, rdtPlacement(root, rdt, 'c1'))).toThrow(
      /^write L9:0=1 to .*bad\/schemata: .*\(Unknown or unsupported resource name 'L9'\)$/,
    );
  });

  it('update writes the new lines and can put the old ones back; no group is an error', () => {
    const root = fake();
    mkdirSync(join(root, 'g'));
    writeFileSync(join(root, 'g/schemata'), '    L3:0=fffff;1=fffff\n    MB:0=100;1=100\n');
    const restore = updateSchemata({ group: join(root, 'g'), created: true, monitor: null }, { memBwSchema: 'MB:0=50;1=50' });
    expect(readFileSync(join(root, 'g/schemata'), 'utf8')).toBe('MB:0=50;1=50\n');
    restore();
    expect(readFileSync(join(root, 'g/schemata'), 'utf8')).toBe('L3:0=fffff;1=fffff\nMB:0=100;1=100\n');
    expect(() => updateSchemata(undefined, { l3CacheSchema: 'L3:0=f' })).toThrow(/Intel RDT/);
    expect(() => updateSchemata(undefined, {})).not.toThrow();
  });
});
