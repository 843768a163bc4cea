// config-linux.md: namespaces, user namespace mappings, time offsets, devices, maskedPaths,
// readonlyPaths, sysctl, cgroupsPath, the devices cgroup.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle, runProbe } from './lib/bundle.ts';
import { startSleeper } from './lib/containers.ts';
import { cgroupMounts, existingCgroupDirs, nsOf, pidsInCgroup, v1Mount } from './lib/host.ts';
import { probePath, Runtime, skipReason, waitFor } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('linux');
afterAll(() => rt.cleanup());

const NS_FILE: Record<string, string> = { pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', mount: 'mnt', cgroup: 'cgroup', user: 'user', time: 'time' };
const hasTimeNs = (() => {
  try {
    return nsOf('self', 'time').startsWith('time:');
  } catch {
    return false;
  }
})();

/** A new user namespace mapping container ids 0-65535 to host ids 100000 on. */
function withUserns(c: any): void {
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = map;
  c.linux.gidMappings = map;
}

describe.skipIf(!!why)('config-linux.md#namespaces', () => {
  it('config-linux.md#namespaces: each listed type without path MUST be a new namespace; unlisted types MUST be inherited', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      c.linux.namespaces = ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type }));
    });
    expect(result.code, result.stderr).toBe(0);
    for (const type of ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']) expect(json.namespaces[NS_FILE[type]], type).not.toBe(nsOf('self', NS_FILE[type]));
    expect(json.namespaces.user).toBe(nsOf('self', 'user'));
    if (hasTimeNs) expect(json.namespaces.time).toBe(nsOf('self', 'time'));
    expect(json.pid).toBe(1);
  });

  it('config-linux.md#namespaces: without a pid or network namespace entry the host ones MUST be used', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      delete c.hostname;
      c.linux.namespaces = [{ type: 'mount' }];
    });
    expect(result.code, result.stderr).toBe(0);
    expect(json.namespaces.pid).toBe(nsOf('self', 'pid'));
    expect(json.namespaces.net).toBe(nsOf('self', 'net'));
    expect(json.namespaces.uts).toBe(nsOf('self', 'uts'));
    expect(json.pid).not.toBe(1);
  });

  it('config-linux.md#namespaces: path MUST be joined (B joins A\'s net, ipc and uts by /proc/<pid>/ns path)', async () => {
    const a = await startSleeper(rt, (c) => (c.hostname = 'host-a'));
    const pidA = (await rt.state(a.id)).pid;
    const { json, result } = await runProbe(rt, (c) => {
      delete c.hostname;
      c.linux.namespaces = c.linux.namespaces.map((n: any) =>
        ['network', 'ipc', 'uts'].includes(n.type) ? { type: n.type, path: `/proc/${pidA}/ns/${NS_FILE[n.type]}` } : n,
      );
    });
    expect(result.code, result.stderr).toBe(0);
    for (const f of ['net', 'ipc', 'uts']) expect(json.namespaces[f], f).toBe(nsOf(pidA, f));
    expect(json.namespaces.mnt).not.toBe(nsOf(pidA, 'mnt'));
    expect(json.namespaces.pid).not.toBe(nsOf(pidA, 'pid'));
    expect(json.hostname).toBe('host-a');
  });

  it('runc behaviour: in a network namespace it creates, lo is up and 127.0.0.1 answers (with and without a user namespace)', async () => {
    for (const edit of [undefined, withUserns]) {
      const { json, result } = await runProbe(rt, edit, ['net']);
      expect(result.code, result.stderr).toBe(0);
      expect(json.interfaces).toEqual({ lo: { up: true, loopback: true } });
      expect(json.loopback).toBe('ok');
    }
  });

  it('runc behaviour: a network namespace joined by path keeps its lo as it was (down here)', async () => {
    // a namespace of someone else's (podman --network container:X): no runtime may change it
    const holder = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
    try {
      const netns = `/proc/${holder.pid}/ns/net`;
      await waitFor(() => nsOf(holder.pid!, 'net') !== nsOf('self', 'net'));
      const { json, result } = await runProbe(rt, (c) => {
        c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: netns } : n));
      }, ['net']);
      expect(result.code, result.stderr).toBe(0);
      expect(json.interfaces.lo.up).toBe(false);
      expect(json.loopback).not.toBe('ok');
      // and as the holder of the namespace sees it afterwards (the probe is static: it runs on the host too)
      const after = JSON.parse(execFileSync('nsenter', [`--net=${netns}`, probePath, 'net'], { encoding: 'utf8' }));
      expect(after.interfaces.lo.up).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('config-linux.md#namespaces: a path to a namespace of another type MUST generate an error', async () => {
    const a = await startSleeper(rt);
    const pidA = (await rt.state(a.id)).pid;
    const id = rt.id('wrongns');
    const b = makeBundle(rt, id, (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: `/proc/${pidA}/ns/ipc` } : n));
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: .*ns/ipc`, 'm'));
    expect((await rt.run(['state', id])).code).not.toBe(0);
  });

  it('config-linux.md#namespaces: a config without a mount namespace is refused, saying why', async () => {
    const id = rt.id('nomntns');
    const b = makeBundle(rt, id, (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'mount')));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `tdrun: create ${id}: config.json /linux/namespaces: a container without a mount namespace is not supported: its rootfs mounts and pivot_root would change the host's mounts`,
    );
    expect((await rt.run(['state', id])).code).not.toBe(0);
  });

  it('config-linux.md#namespaces: a duplicated namespace type MUST generate an error', async () => {
    const id = rt.id('dupns');
    const b = makeBundle(rt, id, (c) => c.linux.namespaces.push({ type: 'ipc' }));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\/linux\/namespaces/);
  });

  it('config-linux.md#user-namespace-mappings: uid/gid mappings MUST be the user namespace\'s maps', async () => {
    const uid = await runProbe(rt, withUserns, ['read', '/proc/self/uid_map']);
    expect(uid.result.code, uid.result.stderr).toBe(0);
    expect(uid.json.data.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    const gid = await runProbe(rt, withUserns, ['read', '/proc/self/gid_map']);
    expect(gid.json.data.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    const all = await runProbe(rt, withUserns);
    expect(all.json.uid).toBe(0);
    expect(all.json.namespaces.user).not.toBe(nsOf('self', 'user'));
  });

  it('config-linux.md#user-namespace-mappings: bind sources the mapped root cannot reach are mounted (opened with the host\'s view, as runc does)', async () => {
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const shared: string[] = [];
    const edit = (c: any, b: { dir: string }) => {
      // only the host's root may enter private/; the container's root is host uid 100000
      mkdirSync(join(b.dir, 'private/data'), { recursive: true, mode: 0o700 });
      chmodSync(join(b.dir, 'private/data'), 0o755);
      writeFileSync(join(b.dir, 'private/data/f'), 'reachable\n');
      // a shared host mount as the source: the container's copy must not be its peer
      execFileSync('mount', ['--bind', '--make-shared', join(b.dir, 'private/data'), join(b.dir, 'private/data')]);
      shared.push(join(b.dir, 'private/data'));
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = map;
      c.linux.gidMappings = map;
      // destinations that exist: the mapped root may not create any in the host-owned rootfs
      c.mounts.push({ destination: '/tmp', type: 'bind', source: join(b.dir, 'private/data'), options: ['rbind', 'ro'] });
      c.mounts.push({ destination: '/etc/hostname', type: 'bind', source: join(b.dir, 'private/data/f'), options: ['bind'] });
    };
    try {
      const read = await runProbe(rt, edit, ['read', '/tmp/f']);
      expect(read.result.code, read.result.stderr).toBe(0);
      expect(read.json.data).toBe('reachable\n');
      const { json } = await runProbe(rt, edit);
      const data = json.mounts.filter((m: any) => m.mountpoint === '/tmp').at(-1);
      expect(data.options).toContain('ro');
      expect(data.propagation.some((p: string) => p.startsWith('shared:')), `never a peer of the host's mount: ${data.propagation}`).toBe(false);
      expect(data.propagation.some((p: string) => p.startsWith('master:')), 'a slave of it').toBe(true);
      expect(json.mounts.some((m: any) => m.mountpoint === '/etc/hostname'), 'the file bind').toBe(true);
    } finally {
      for (const dir of shared) execFileSync('umount', [dir]);
    }
  });

  it.skipIf(!hasTimeNs)('config-linux.md#offset-for-time-namespace: monotonic and boottime offsets MUST apply', async () => {
    const days = 86400;
    const edit = (c: any) => {
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { monotonic: { secs: 100 * days, nanosecs: 0 }, boottime: { secs: 30 * days, nanosecs: 0 } };
    };
    const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const { json, result } = await runProbe(rt, edit, ['clocks']);
    expect(result.code, result.stderr).toBe(0);
    expect(json.boottime - hostUptime).toBeGreaterThan(30 * days - 60);
    expect(json.boottime - hostUptime).toBeLessThan(30 * days + 60);
    expect(json.monotonic).toBeGreaterThan(100 * days);
    const sleeper = await startSleeper(rt, edit);
    const pid = (await rt.state(sleeper.id)).pid;
    const offsets = readFileSync(`/proc/${pid}/timens_offsets`, 'utf8');
    expect(offsets).toMatch(new RegExp(`monotonic\\s+${100 * days}\\s+0`));
    expect(offsets).toMatch(new RegExp(`boottime\\s+${30 * days}\\s+0`));
  });

  it('config-linux.md#namespaces: timeOffsets without a time namespace MUST generate an error', async () => {
    const id = rt.id('notime');
    const b = makeBundle(rt, id, (c) => (c.linux.timeOffsets = { monotonic: { secs: 10, nanosecs: 0 } }));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/timeOffsets/);
  });
});

describe.skipIf(!!why)('config-linux.md#devices', () => {
  it('config-linux.md#default-devices: null, zero, full, random, urandom, tty MUST exist with the right numbers', async () => {
    const want: Record<string, [number, number]> = { null: [1, 3], zero: [1, 5], full: [1, 7], random: [1, 8], urandom: [1, 9], tty: [5, 0] };
    const { json, result } = await runProbe(rt, undefined, ['stat', ...Object.keys(want).map((d) => `/dev/${d}`)]);
    expect(result.code, result.stderr).toBe(0);
    for (const s of json) {
      const [maj, min] = want[s.path.slice(5)];
      expect(s.type, s.path).toBe('char');
      expect([s.major, s.minor], s.path).toEqual([maj, min]);
      expect(s.mode, s.path).toBe('0666');
    }
  });

  it('config-linux.md#dev-symbolic-links: /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr MUST link to /proc/self/fd', async () => {
    const { json } = await runProbe(rt, undefined, ['stat', '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr']);
    expect(json.map((s: any) => [s.path, s.type, s.target])).toEqual([
      ['/dev/fd', 'symlink', '/proc/self/fd'],
      ['/dev/stdin', 'symlink', '/proc/self/fd/0'],
      ['/dev/stdout', 'symlink', '/proc/self/fd/1'],
      ['/dev/stderr', 'symlink', '/proc/self/fd/2'],
    ]);
  });

  it('config-linux.md#default-devices: /dev/ptmx MUST be the container\'s devpts ptmx; /dev/pts and /dev/shm are mounted', async () => {
    const { json } = await runProbe(rt);
    const byPoint = (p: string) => json.mounts.filter((m: any) => m.mountpoint === p).at(-1);
    expect(byPoint('/dev/pts')?.fstype).toBe('devpts');
    expect(byPoint('/dev/pts')?.superOptions).toContain('ptmxmode=666');
    expect(byPoint('/dev/shm')?.fstype).toBe('tmpfs');
    expect(byPoint('/proc')?.fstype).toBe('proc');
    expect(byPoint('/sys')?.fstype).toBe('sysfs');
    const st = await runProbe(rt, undefined, ['stat', '/dev/ptmx', '/dev/pts/ptmx']);
    const ptmx = st.json[0];
    if (ptmx.type === 'symlink') expect(ptmx.target).toBe('pts/ptmx');
    else expect([ptmx.type, ptmx.major, ptmx.minor, st.json[1].exists]).toEqual(['char', 5, 2, true]);
  });

  it('config-linux.md#devices: linux.devices MUST be created with type, numbers, fileMode, uid and gid', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      c.linux.devices = [
        { path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 12, gid: 34 },
        { path: '/dev/sub/myzero', type: 'c', major: 1, minor: 5 },
        { path: '/dev/myfifo', type: 'p' },
      ];
    }, ['stat', '/dev/mynull', '/dev/sub/myzero', '/dev/myfifo']);
    expect(result.code, result.stderr).toBe(0);
    expect(json[0]).toMatchObject({ type: 'char', major: 1, minor: 3, mode: '0640', uid: 12, gid: 34 });
    expect(json[1]).toMatchObject({ type: 'char', major: 1, minor: 5 });
    expect(json[2]).toMatchObject({ type: 'fifo' });
  });

  it('config-linux.md#allowed-device-list: devices cgroup rules MUST be applied in order (deny all, then allow one)', async () => {
    const dev = { path: '/dev/loop-control', type: 'c', major: 10, minor: 237 };
    const denied = await runProbe(rt, (c) => {
      c.linux.devices = [dev];
      c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
    }, ['open', '/dev/loop-control']);
    expect(denied.json.errno, denied.result.stderr).toBe(1); // EPERM from the devices cgroup
    const allowed = await runProbe(rt, (c) => {
      c.linux.devices = [dev];
      c.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 237, access: 'rw' }] };
    }, ['open', '/dev/loop-control']);
    expect(allowed.json, allowed.result.stderr).toEqual({ ok: true });
    const defaults = await runProbe(rt, (c) => (c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] }), ['open', '/dev/null']);
    expect(defaults.json, 'default devices stay allowed').toEqual({ ok: true });
  });
});

describe.skipIf(!!why)('config-linux.md#masked-and-readonly-paths', () => {
  it('config-linux.md#masked-paths: masked files MUST read empty and masked dirs MUST be empty', async () => {
    const edit = (c: any, b: { rootfs: string }) => {
      writeFileSync(join(b.rootfs, 'etc/secret'), 'top secret');
      mkdirSync(join(b.rootfs, 'secretdir'));
      writeFileSync(join(b.rootfs, 'secretdir/file'), 'x');
      c.linux.maskedPaths = [...c.linux.maskedPaths, '/etc/secret', '/secretdir', '/does/not/exist'];
    };
    const file = await runProbe(rt, edit, ['read', '/etc/secret']);
    expect(file.json, file.result.stderr).toEqual({ data: '' });
    const dir = await runProbe(rt, edit, ['ls', '/secretdir']);
    expect(dir.json).toEqual([]);
    const proc = await runProbe(rt, edit, ['read', '/proc/timer_list']);
    expect(proc.json).toEqual({ data: '' });
  });

  it('config-linux.md#readonly-paths: readonly paths MUST be read-only; the rest stays writable', async () => {
    const edit = (c: any, b: { rootfs: string }) => {
      c.root.readonly = false;
      mkdirSync(join(b.rootfs, 'data'));
      c.linux.readonlyPaths = [...c.linux.readonlyPaths, '/data'];
    };
    const ro = await runProbe(rt, edit, ['write', '/data/x', 'v']);
    expect(ro.json.errno, ro.result.stderr).toBe(30);
    const rw = await runProbe(rt, edit, ['write', '/x', 'v']);
    expect(rw.json).toEqual({ ok: true });
    const sys = await runProbe(rt, edit, ['write', '/proc/sys/kernel/hostname', 'x']);
    expect(sys.json.errno).toBe(30);
  });
});

describe.skipIf(!!why)('config-linux.md#sysctl', () => {
  it('config-linux.md#sysctl: kernel parameters MUST be set in the container', async () => {
    const edit = (c: any) => (c.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.domainname': 'sysctl.example' });
    const fwd = await runProbe(rt, edit, ['read', '/proc/sys/net/ipv4/ip_forward']);
    expect(fwd.json, fwd.result.stderr).toEqual({ data: '1\n' });
    const all = await runProbe(rt, edit);
    expect(all.json.domainname).toBe('sysctl.example');
    expect(readFileSync('/proc/sys/kernel/domainname', 'utf8')).not.toBe('sysctl.example\n');
  });

  it('config-linux.md#sysctl: net.* without a new network namespace MUST generate an error', async () => {
    const id = rt.id('sysctlnet');
    const b = makeBundle(rt, id, (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network');
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sysctl/);
  });
});

describe.skipIf(!!why)('config-linux.md#cgroups', () => {
  it('config-linux.md#cgroups-path: an absolute cgroupsPath MUST place the process there in every hierarchy', async () => {
    const cg = `/tdrun-spec-cg-${process.pid}`;
    const b = await startSleeper(rt, (c) => (c.linux.cgroupsPath = cg));
    const pid = (await rt.state(b.id)).pid;
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
    // the cgroup2 hierarchy too (tdrun-init joins it by clone3(CLONE_INTO_CGROUP), the v1 ones
    // through their tasks files: addon/init/cgroups.cc)
    for (const l of lines) expect(l.split(':')[2], l).toBe(cg);
    expect(lines.length).toBe(cgroupMounts().length);
    for (const m of cgroupMounts()) expect(readFileSync(join(m.mountpoint, cg, 'cgroup.procs'), 'utf8').split('\n'), m.mountpoint).toContain(String(pid));
  });

  it('runtime.md#delete: delete -f removes the container\'s cgroups with the sub-cgroups made inside them', async () => {
    const cg = `/tdrun-spec-sub-${process.pid}`;
    const b = await startSleeper(rt, (c) => (c.linux.cgroupsPath = cg), 'sub');
    const pid = (await rt.state(b.id)).pid;
    // what a container that manages cgroups of its own does: a child cgroup, with its process in it
    const v1 = cgroupMounts().filter((m) => !m.controllers.includes('unified'));
    for (const m of v1) {
      mkdirSync(join(m.mountpoint, cg, 'inner/deeper'), { recursive: true });
      // a new cpuset cgroup has no cpus to run a process on until it is given some
      if (!m.controllers.includes('cpuset')) writeFileSync(join(m.mountpoint, cg, 'inner/deeper/cgroup.procs'), String(pid));
    }
    await rt.ok(['delete', '-f', b.id]);
    expect(existingCgroupDirs(cg)).toEqual([]);
  });

  it('config-linux.md#cgroup-namespace: with a new cgroup namespace the process sees its cgroup as /', async () => {
    const cg = `/tdrun-spec-cgns-${process.pid}`;
    const withNs = await runProbe(rt, (c) => {
      c.linux.cgroupsPath = cg;
      c.linux.namespaces = [...c.linux.namespaces.filter((n: any) => n.type !== 'cgroup'), { type: 'cgroup' }];
    });
    // one line per hierarchy (just one on a pure cgroup v2 host)
    expect(withNs.json.cgroup.length, withNs.result.stderr).toBe(cgroupMounts().length);
    for (const l of withNs.json.cgroup as string[]) expect(l.split(':')[2], l).toBe('/');
    const withoutNs = await runProbe(rt, (c) => {
      c.linux.cgroupsPath = cg;
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'cgroup');
    });
    for (const l of withoutNs.json.cgroup as string[]) expect(l.split(':')[2], l).toBe(cg);
  });

  it('config-linux.md#cgroups-path: a cgroup that is frozen already is refused as runc does, leaving nothing behind (no hang)', async () => {
    const freezer = v1Mount('freezer');
    const unified = cgroupMounts().find((m) => m.controllers.includes('unified'));
    const cg = `/tdrun-spec-frozen-${process.pid}`;
    // the frozen cgroup exists before the container; tdrun makes the rest
    const frozenDir = freezer ? join(freezer, cg) : join(unified!.mountpoint, cg);
    mkdirSync(frozenDir);
    try {
      writeFileSync(join(frozenDir, freezer ? 'freezer.state' : 'cgroup.freeze'), freezer ? 'FROZEN' : '1');
      const id = rt.id('frozen');
      const b = makeBundle(rt, id, (c) => (c.linux.cgroupsPath = cg));
      const r = await rt.run(['run', '-b', b.dir, id], { timeoutMs: 15_000 });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim()).toBe(`tdrun: run ${id}: container's cgroup unexpectedly frozen`);
      expect((await rt.run(['state', id])).code).not.toBe(0);
      expect(existingCgroupDirs(cg), 'only the cgroup that was there before').toEqual([frozenDir]);
      expect(pidsInCgroup(cg)).toEqual([]);
    } finally {
      writeFileSync(join(frozenDir, freezer ? 'freezer.state' : 'cgroup.freeze'), freezer ? 'THAWED' : '0');
      rmdirSync(frozenDir);
    }
  });

  it('config-linux.md#cgroups-path: "." ".." and paths with ".." MUST be refused (never the runtime\'s own cgroup)', async () => {
    for (const bad of ['..', '.', '/../x', 'a/../../b']) {
      const id = rt.id('badcg');
      const b = makeBundle(rt, id, (c) => {
        c.linux.cgroupsPath = bad;
        c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'pid');
      });
      const r = await rt.run(['create', '-b', b.dir, id], { timeoutMs: 15_000 });
      expect(r.code, bad).not.toBe(0);
      expect(r.stderr, bad).toMatch(/cgroupsPath/);
    }
  });
});
