// config.md#mounts and config-linux.md default filesystems.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle, runProbe } from './lib/bundle.ts';
import { mountsUnder } from './lib/host.ts';
import { Runtime, skipReason } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('mounts');
afterAll(() => rt.cleanup());

const last = (json: any, p: string) => json.mounts.filter((m: any) => m.mountpoint === p).at(-1);

describe.skipIf(!!why)('config.md#mounts', () => {
  it('config-linux.md#default-filesystems: /proc, /sys, /dev/pts, /dev/shm MUST be available with their types', async () => {
    const { json, result } = await runProbe(rt);
    expect(result.code, result.stderr).toBe(0);
    expect(last(json, '/proc')?.fstype).toBe('proc');
    expect(last(json, '/sys')?.fstype).toBe('sysfs');
    expect(last(json, '/dev/pts')?.fstype).toBe('devpts');
    expect(last(json, '/dev/shm')?.fstype).toBe('tmpfs');
    expect(last(json, '/')).toBeDefined();
  });

  it('config-linux.md#rootfs-mount-propagation: unbindable MUST work and apply to the container\'s /', async () => {
    const { json, result } = await runProbe(rt, (c) => (c.linux.rootfsPropagation = 'unbindable'));
    expect(result.code, result.stderr).toBe(0);
    expect(last(json, '/')?.propagation).toContain('unbindable');
  });

  it('config.md#mounts: the runtime MUST mount entries in the listed order', async () => {
    const { json, result } = await runProbe(rt, (c, b) => {
      mkdirSync(join(b.dir, 'inner'));
      writeFileSync(join(b.dir, 'inner/f'), 'x');
      c.mounts.push({ destination: '/m', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      c.mounts.push({ destination: '/m/sub', type: 'bind', source: join(b.dir, 'inner'), options: ['rbind', 'ro'] });
    });
    expect(result.code, result.stderr).toBe(0);
    const m = last(json, '/m');
    const sub = last(json, '/m/sub');
    expect(m?.fstype).toBe('tmpfs');
    expect(sub, 'the bind on /m/sub was made after (on top of) the tmpfs on /m').toBeDefined();
    expect(sub.parent).toBe(m.id);
  });

  it('config.md#mounts: types and options (tmpfs data, ro, nosuid, nodev, noexec) MUST apply', async () => {
    const { json } = await runProbe(rt, (c) => {
      c.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=2m', 'mode=0750'] });
      c.mounts.push({ destination: '/tro', type: 'tmpfs', source: 'tmpfs', options: ['ro'] });
    });
    const t = last(json, '/t');
    expect(t.fstype).toBe('tmpfs');
    expect(t.options).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']));
    expect(t.superOptions).toEqual(expect.arrayContaining(['size=2048k', 'mode=750']));
    expect(last(json, '/tro').options).toContain('ro');
  });

  it('config.md#mounts: missing destinations MUST be created inside the rootfs (directories, and files for file binds)', async () => {
    const { json, result } = await runProbe(rt, (c, b) => {
      writeFileSync(join(b.dir, 'hello.txt'), 'hello');
      c.mounts.push({ destination: '/a/b/c', type: 'tmpfs', source: 'tmpfs', options: [] });
      c.mounts.push({ destination: '/etc/hello.txt', type: 'bind', source: join(b.dir, 'hello.txt'), options: ['bind', 'ro'] });
    }, ['read', '/etc/hello.txt']);
    expect(json, result.stderr).toEqual({ data: 'hello' });
    const all = await runProbe(rt, (c) => c.mounts.push({ destination: '/a/b/c', type: 'tmpfs', source: 'tmpfs', options: [] }));
    expect(last(all.json, '/a/b/c')?.fstype).toBe('tmpfs');
  });

  it('config.md#mounts: bind with a relative source is relative to the bundle', async () => {
    const { json, result } = await runProbe(rt, (c, b) => {
      mkdirSync(join(b.dir, 'reldir'));
      writeFileSync(join(b.dir, 'reldir/f'), 'relative');
      c.mounts.push({ destination: '/rel', type: 'bind', source: 'reldir', options: ['rbind'] });
    }, ['read', '/rel/f']);
    expect(json, result.stderr).toEqual({ data: 'relative' });
  });

  it('config.md#mounts: bind is not recursive, rbind is (submounts of the source)', async () => {
    const setup = (rec: boolean) => (c: any, b: { dir: string }) => {
      const src = join(b.dir, 'src');
      mkdirSync(join(src, 'sub'), { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'subtmp', join(src, 'sub')]);
      writeFileSync(join(src, 'sub/marker'), 'in-submount');
      c.mounts.push({ destination: '/src', type: 'bind', source: src, options: [rec ? 'rbind' : 'bind'] });
    };
    const rbind = await runProbe(rt, setup(true), ['read', '/src/sub/marker']);
    execFileSync('umount', [join(rbind.bundle.dir, 'src/sub')]);
    expect(rbind.json, rbind.result.stderr).toEqual({ data: 'in-submount' });
    const bind = await runProbe(rt, setup(false), ['read', '/src/sub/marker']);
    execFileSync('umount', [join(bind.bundle.dir, 'src/sub')]);
    expect(bind.json.errno, bind.result.stderr).toBe(2);
  });

  it('config.md#mounts: a symlink destination resolves inside the rootfs', async () => {
    const { json, result } = await runProbe(rt, (c, b) => {
      mkdirSync(join(b.rootfs, 'target'));
      symlinkSync('/target', join(b.rootfs, 'link'));
      c.mounts.push({ destination: '/link', type: 'tmpfs', source: 'tmpfs', options: [] });
    });
    expect(result.code, result.stderr).toBe(0);
    expect(last(json, '/target')?.fstype).toBe('tmpfs');
  });

  it('config.md#mounts: a mount that cannot be made MUST fail create with the destination named', async () => {
    const id = rt.id('badsrc');
    const b = makeBundle(rt, id, (c, bb) => c.mounts.push({ destination: '/data', type: 'bind', source: join(bb.dir, 'missing'), options: ['rbind'] }));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: .*/data.*: no such file or directory`, 'm'));
    expect(mountsUnder(b.dir)).toEqual([]);
  });

  it('tmpcopyup (runc and podman extension): the tmpfs starts with a copy of the destination, links as links, owners and modes kept', async () => {
    const fill = (c: any, b: { rootfs: string }, options: string[]) => {
      const data = join(b.rootfs, 'data');
      mkdirSync(join(data, 'sub'), { recursive: true });
      writeFileSync(join(data, 'sub/file'), 'from the image');
      chmodSync(join(data, 'sub/file'), 0o604);
      chownSync(join(data, 'sub/file'), 1000, 1001);
      symlinkSync('/etc/passwd', join(data, 'link'));
      execFileSync('mkfifo', ['-m', '620', join(data, 'fifo')]);
      c.mounts.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'size=1m', ...options] });
    };
    const id = rt.id('copyup');
    const b = makeBundle(rt, id, (c, bb) => {
      fill(c, bb, []);
      c.process.args = ['/bin/sh', '-c',
        'stat -c "%a %u %g %F" /data/sub/file /data/fifo; readlink /data/link; cat /data/sub/file; echo; echo new > /data/sub/new && cat /data/sub/new'];
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['604 1000 1001 regular file', '620 0 0 fifo', '/etc/passwd', 'from the image', 'new']);
    // the image itself is untouched: the write went to the tmpfs
    expect(readFileSync(join(b.rootfs, 'data/sub/file'), 'utf8')).toBe('from the image');
    expect(existsSync(join(b.rootfs, 'data/sub/new'))).toBe(false);

    const ro = await runProbe(rt, (c, bb) => fill(c, bb, ['ro']), ['write', '/data/sub/new', 'x']);
    expect(ro.json.errno, ro.result.stderr).toBe(30);
    const roRead = await runProbe(rt, (c, bb) => fill(c, bb, ['ro']), ['read', '/data/sub/file']);
    expect(roRead.json).toEqual({ data: 'from the image' });

    const bad = rt.id('copyup-bind');
    const bb = makeBundle(rt, bad, (c, d) => c.mounts.push({ destination: '/data', type: 'bind', source: d.dir, options: ['rbind', 'tmpcopyup'] }));
    const e = await rt.run(['create', '-b', bb.dir, bad]);
    expect(e.stderr).toMatch(new RegExp(`^tdrun: create ${bad}: config.json /mounts/\\d+/options/1: tmpcopyup applies to tmpfs mounts only`, 'm'));
  });
});

describe.skipIf(!!why)('config.md#mounts: idmapped mounts (uidMappings, gidMappings, idmap, ridmap)', () => {
  /** A host directory owned by `owner` holding a file `f`, for a bind mount. */
  function hostDir(dir: string, owner: number): string {
    const data = join(dir, 'hostdata');
    mkdirSync(data);
    writeFileSync(join(data, 'f'), 'host');
    chownSync(data, owner, owner);
    chownSync(join(data, 'f'), owner, owner);
    return data;
  }
  const oneId = (containerID: number, hostID: number) => [{ containerID, hostID, size: 1 }];
  const SCRIPT = 'stat -c "%u %g" /data/f; echo x > /data/new && echo written';

  it('uidMappings/gidMappings: a host file of uid 1000 appears as the mapped id, and a write lands as 1000 on the host', async () => {
    for (const mapped of [true, false]) {
      const id = rt.id('idmap');
      let data = '';
      const b = makeBundle(rt, id, (c, d) => {
        data = hostDir(d.dir, 1000);
        c.process.user = { uid: 2000, gid: 2000 };
        c.process.args = ['sh', '-c', SCRIPT];
        c.mounts.push({
          destination: '/data',
          type: 'bind',
          source: data,
          options: ['bind'],
          ...(mapped ? { uidMappings: oneId(1000, 2000), gidMappings: oneId(1000, 2000) } : {}),
        });
      });
      const r = await rt.run(['run', '-b', b.dir, id]);
      if (mapped) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('2000 2000\nwritten\n');
        const st = statSync(join(data, 'new'));
        expect([st.uid, st.gid]).toEqual([1000, 1000]);
      } else {
        // the same mount without mappings: what the mapping changes
        expect(r.stdout).toBe('1000 1000\n');
        expect(existsSync(join(data, 'new'))).toBe(false);
      }
    }
  });

  it('idmap without mappings of its own takes the user namespace\'s: the container\'s root owns the host root\'s files', async () => {
    const userns = [{ containerID: 0, hostID: 100000, size: 65536 }];
    for (const option of ['idmap', 'rbind']) {
      const id = rt.id('idmap-userns');
      let data = '';
      const b = makeBundle(rt, id, (c, d) => {
        data = hostDir(d.dir, 0);
        // the container's root could not make the mount point in the host root's image
        mkdirSync(join(d.rootfs, 'data'));
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = userns;
        c.linux.gidMappings = userns;
        c.process.args = ['sh', '-c', SCRIPT];
        c.mounts.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', option] });
      });
      const r = await rt.run(['run', '-b', b.dir, id]);
      if (option === 'idmap') {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('0 0\nwritten\n');
        expect(statSync(join(data, 'new')).uid).toBe(0);
      } else {
        // unmapped, the host's root is nobody in the container, and its directory is closed
        expect(r.stdout).toBe('65534 65534\n');
        expect(existsSync(join(data, 'new'))).toBe(false);
      }
    }
  });

  it('ridmap maps the mounts below the source too; idmap only the top one', async () => {
    const dir = mkdtempSync(join(rt.bundles, 'ridmap-'));
    const data = hostDir(dir, 1000);
    const sub = join(data, 'sub');
    mkdirSync(sub);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,uid=1000,gid=1000', 'tdtest-ridmap', sub]);
    try {
      for (const option of ['idmap', 'ridmap']) {
        const id = rt.id(option);
        const b = makeBundle(rt, id, (c) => {
          c.process.args = ['stat', '-c', '%u', '/data/f', '/data/sub'];
          c.mounts.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', option], uidMappings: oneId(1000, 3000), gidMappings: oneId(1000, 3000) });
        });
        const r = await rt.run(['run', '-b', b.dir, id]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout, option).toBe(option === 'ridmap' ? '3000\n3000\n' : '3000\n1000\n');
      }
    } finally {
      execFileSync('umount', [sub]);
    }
  });

  it('refused with the JSON pointer: not a bind mount, one of the two mappings, idmap with no mappings anywhere', async () => {
    const cases: [string, (c: any, dir: string) => void][] = [
      ['/mounts/\\d+/uidMappings: an idmapped mount must be a bind mount', (c) =>
        c.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', uidMappings: oneId(0, 1000), gidMappings: oneId(0, 1000) })],
      ['/mounts/\\d+/gidMappings: an idmapped mount needs both uidMappings and gidMappings', (c, dir) =>
        c.mounts.push({ destination: '/t', type: 'bind', source: dir, options: ['bind'], uidMappings: oneId(0, 1000) })],
      ['/mounts/\\d+/options/1: "idmap" without mappings of the mount\'s own takes the user namespace\'s, and the config has none', (c, dir) =>
        c.mounts.push({ destination: '/t', type: 'bind', source: dir, options: ['bind', 'idmap'] })],
    ];
    for (const [message, edit] of cases) {
      const id = rt.id('idmap-bad');
      const b = makeBundle(rt, id, (c, d) => edit(c, d.dir));
      const r = await rt.run(['create', '-b', b.dir, id]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: config.json ${message}$`, 'm'));
      expect(existsSync(join(rt.root, id))).toBe(false);
    }
  });
});
