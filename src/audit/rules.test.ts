import { describe, expect, it } from 'vitest';
import { CAP_SETS, LIVE_RULES, RULES, type CapSet, type LiveContainer, type LiveProcess } from './rules.ts';
import type { Spec } from '../spec/types.ts';

function noCaps(): Record<CapSet, string[]> {
  return Object.fromEntries(CAP_SETS.map((s) => [s, []])) as unknown as Record<CapSet, string[]>;
}

function proc(pid: number, edit: Partial<LiveProcess> = {}): LiveProcess {
  return { pid, command: `p${pid}`, euid: 1000, uidMap: '0 0 4294967295', caps: noCaps(), seccomp: 2, noNewPrivs: true, ns: { pid: 'pid:[2]', net: 'net:[2]' }, ...edit };
}

function container(edit: (c: LiveContainer) => void = () => {}): LiveContainer {
  const spec: Spec = {
    ociVersion: '1.3.0',
    root: { path: 'rootfs', readonly: true },
    process: { cwd: '/', user: { uid: 1000, gid: 1000 }, noNewPrivileges: true, capabilities: { effective: ['CAP_KILL'], bounding: ['CAP_KILL'] } },
    mounts: [{ destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rw'] }],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }],
      seccomp: { defaultAction: 'SCMP_ACT_ERRNO' },
      resources: { memory: { limit: 1 << 26 }, pids: { limit: 50 } },
    },
  };
  const c: LiveContainer = {
    spec,
    processes: [proc(10, { caps: { ...noCaps(), effective: ['CAP_KILL'], bounding: ['CAP_KILL'] } })],
    hostNs: { pid: 'pid:[1]', net: 'net:[1]' },
    mounts: [
      { mountpoint: '/', fstype: 'ext4', writable: false },
      { mountpoint: '/data', fstype: 'ext4', writable: true },
      { mountpoint: '/proc', fstype: 'proc', writable: true },
    ],
    limits: { memory: 1 << 26, pids: 50 },
  };
  edit(c);
  return c;
}

function liveIds(c: LiveContainer): string[] {
  return LIVE_RULES.filter((r) => r.check(c).length > 0).map((r) => r.id);
}

describe('the rule table', () => {
  it('gives every rule a unique TDnnn id and one-sentence texts', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^TD\d{3}$/);
      expect(r.why).toMatch(/^[^\n]+\.$/);
      expect(r.fix.length).toBeGreaterThan(0);
    }
  });
});

describe('live rules', () => {
  it('find nothing when every process matches its config', () => {
    expect(liveIds(container())).toEqual([]);
  });

  it('TD701: a capability the config did not grant, named with its set and process', () => {
    const c = container((c) => c.processes.push(proc(11, { caps: { ...noCaps(), effective: ['CAP_KILL', 'CAP_SYS_ADMIN'] } })));
    const rule = LIVE_RULES.find((r) => r.id === 'TD701')!;
    expect(rule.check(c)).toEqual([{ path: '/proc/11/status', detail: 'p11: effective CAP_SYS_ADMIN' }]);
  });

  it('TD702: no_new_privs off although the config sets it', () => {
    expect(liveIds(container((c) => (c.processes[0].noNewPrivs = false)))).toEqual(['TD702']);
  });

  it('TD703: host root though the config user is not root; a mapped root is not host root', () => {
    expect(liveIds(container((c) => (c.processes[0].euid = 0)))).toEqual(['TD703']);
    const mappedRoot = container((c) => {
      c.spec.process!.user = { uid: 0, gid: 0 };
      c.spec.linux!.namespaces!.push({ type: 'user' });
      c.spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.processes[0].euid = 100000;
    });
    expect(liveIds(mappedRoot)).toEqual([]);
    expect(liveIds(container((c) => (c.spec.process!.user = { uid: 0, gid: 0 })))).toEqual([]);
  });

  it('TD704: the host namespace where the config asks for its own', () => {
    expect(liveIds(container((c) => (c.processes[0].ns.net = 'net:[1]')))).toEqual(['TD704']);
  });

  it('TD705: no seccomp filter although the config has a profile', () => {
    expect(liveIds(container((c) => (c.processes[0].seccomp = 0)))).toEqual(['TD705']);
  });

  it('TD706: a configured limit missing from the cgroup', () => {
    expect(liveIds(container((c) => (c.limits = { memory: 2 ** 63 - 4096, pids: null })))).toEqual(['TD706']);
    const rule = LIVE_RULES.find((r) => r.id === 'TD706')!;
    expect(rule.check(container((c) => (c.limits.pids = null))).map((h) => h.pointer)).toEqual(['/linux/resources/pids/limit']);
  });

  it('TD707: a writable filesystem the config does not declare; kernel views are not host files', () => {
    const c = container((c) => c.mounts.push({ mountpoint: '/mnt/host', fstype: 'xfs', writable: true }, { mountpoint: '/run', fstype: 'tmpfs', writable: true }));
    expect(LIVE_RULES.find((r) => r.id === 'TD707')!.check(c)).toEqual([{ path: '/mnt/host', detail: 'xfs' }]);
  });

  it('TD708: the root writable although the config makes it read-only', () => {
    expect(liveIds(container((c) => (c.mounts[0].writable = true)))).toEqual(['TD708']);
  });
});
