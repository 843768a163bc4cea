// config.md#mounts and config-linux.md default filesystems.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
