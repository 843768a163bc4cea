// config-linux.md "Network Devices" (linux.netDevices): a host interface moved into the
// container's network namespace, renamed when `name` says so, with its addresses; back on the
// host under its old name when the container is deleted, also after its processes are gone.
// This kernel has no dummy driver: a veth pair stands in (one end moves, its peer stays).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBundle, type Config } from './lib/bundle.ts';
import { waitStatus } from './lib/containers.ts';
import { ensurePackages } from './lib/packages.ts';
import { Runtime, skipReason } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('netdev');
const HOST = 'tdtest0';
const PEER = 'tdtest0p';

/** The interface as `ip -j addr` shows it on the host, or null when the host has none of that name. */
function hostLink(name: string): { operstate: string; flags: string[]; addr_info: { local: string; prefixlen: number }[] } | null {
  const r = spawnSync('ip', ['-j', 'addr', 'show', 'dev', name], { encoding: 'utf8' });
  return r.status === 0 ? JSON.parse(r.stdout)[0] : null;
}

function withNetDevices(c: Config, devices: Record<string, { name?: string }>): void {
  if (!c.linux.namespaces.some((ns: { type: string }) => ns.type === 'network')) c.linux.namespaces.push({ type: 'network' });
  c.linux.netDevices = devices;
}

beforeAll(() => {
  if (why) return;
  const missing = ensurePackages(['iproute2'], ['ip']);
  if (missing) throw new Error(missing);
  spawnSync('ip', ['link', 'del', HOST]);
  execFileSync('ip', ['link', 'add', HOST, 'type', 'veth', 'peer', 'name', PEER]);
  execFileSync('ip', ['addr', 'add', '10.231.7.1/24', 'dev', HOST]);
  execFileSync('ip', ['link', 'set', HOST, 'up']);
});
afterAll(async () => {
  await rt.cleanup();
  spawnSync('ip', ['link', 'del', HOST]);
  spawnSync('ip', ['link', 'del', 'eth7']);
});

describe.skipIf(!!why)('config-linux.md#network-devices', () => {
  it('the interface moves in under `name` with its address and up; delete gives it back under its old name', async () => {
    const id = rt.id('move');
    const b = makeBundle(rt, id, (c) => {
      withNetDevices(c, { [HOST]: { name: 'eth7' } });
      c.process.args = ['true'];
    });
    await rt.ok(['create', '-b', b.dir, id]);
    expect(hostLink(HOST), 'gone from the host while the container exists').toBeNull();
    await rt.ok(['start', id]);
    expect(await waitStatus(rt, id, 'stopped', 10_000)).toBe('stopped');
    // the container's process is gone, its namespace is pinned: the veth end lives on there
    expect(hostLink(HOST)).toBeNull();
    expect(hostLink(PEER)).not.toBeNull();
    await rt.ok(['delete', id]);
    const back = hostLink(HOST);
    expect(back?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.231.7.1/24');
    expect(back?.flags).toContain('UP');
    expect(existsSync(join(rt.root, id))).toBe(false);
  });

  it('inside, the process sees the interface renamed, with the address it had on the host', async () => {
    const id = rt.id('inside');
    const b = makeBundle(rt, id, (c) => {
      withNetDevices(c, { [HOST]: { name: 'eth7' } });
      c.process.args = ['sh', '-c', 'ip -o -4 addr show dev eth7 | tr -s " " | cut -d " " -f 2,4; cat /sys/class/net/eth7/flags; ls /sys/class/net'];
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
    const [addr, flags, ...links] = r.stdout.trim().split('\n');
    expect(addr).toBe('eth7 10.231.7.1/24');
    expect(Number(flags) & 1, 'IFF_UP').toBe(1);
    expect(links.sort()).toEqual(['eth7', 'lo']);
    expect(hostLink(HOST)).not.toBeNull();
  });

  it('without `name` the interface keeps its host name', async () => {
    const id = rt.id('same');
    const b = makeBundle(rt, id, (c) => {
      withNetDevices(c, { [HOST]: {} });
      c.process.args = ['ls', '/sys/class/net'];
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['lo', HOST]);
    expect(hostLink(HOST)).not.toBeNull();
  });

  it('delete -f of a running container gives the interface back too', async () => {
    const id = rt.id('force');
    const b = makeBundle(rt, id, (c) => {
      withNetDevices(c, { [HOST]: { name: 'eth7' } });
      c.process.args = ['/probe', 'sleep', '600'];
    });
    await rt.ok(['create', '-b', b.dir, id]);
    await rt.ok(['start', id]);
    expect(hostLink(HOST)).toBeNull();
    await rt.ok(['delete', '-f', id]);
    expect(hostLink(HOST)?.addr_info.map((a) => a.local)).toContain('10.231.7.1');
  });

  it('refused with the JSON pointer: no network namespace, invalid names, two devices under one name', async () => {
    const cases: [string, (c: Config) => void][] = [
      ['/linux/netDevices: moving network devices needs a network namespace in /linux/namespaces', (c) => {
        c.linux.namespaces = c.linux.namespaces.filter((ns: { type: string }) => ns.type !== 'network');
        c.linux.netDevices = { [HOST]: {} };
      }],
      ['/linux/netDevices/tdtest0/name: "a/b" is not a valid interface name', (c) => withNetDevices(c, { [HOST]: { name: 'a/b' } })],
      ['/linux/netDevices/a-name-longer-than-15: "a-name-longer-than-15" is not a valid interface name', (c) => withNetDevices(c, { 'a-name-longer-than-15': {} })],
      ['/linux/netDevices/tdtest0p/name: "eth7" is also the name of tdtest0 in the container', (c) =>
        withNetDevices(c, { [HOST]: { name: 'eth7' }, [PEER]: { name: 'eth7' } })],
    ];
    for (const [message, edit] of cases) {
      const id = rt.id('bad');
      const b = makeBundle(rt, id, edit);
      const r = await rt.run(['create', '-b', b.dir, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: config.json ${message.replace(/[/.*+?()[\]]/g, '\\$&')}$`, 'm'));
      expect(existsSync(join(rt.root, id))).toBe(false);
    }
  });

  it('an interface the host lacks fails create with the step, and the ones moved before it go back', async () => {
    const id = rt.id('missing');
    const b = makeBundle(rt, id, (c) => withNetDevices(c, { [HOST]: { name: 'eth7' }, tdnosuch0: {} }));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: move network device tdnosuch0 into the container as tdnosuch0: .*no such device`, 'mi'));
    expect(existsSync(join(rt.root, id))).toBe(false);
    expect(hostLink(HOST)?.addr_info.map((a) => a.local)).toContain('10.231.7.1');
  });
});
