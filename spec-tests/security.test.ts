// design.md's security list: each test attempts the attack of one runc CVE class.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capNumbers, makeBundle, runProbe } from './lib/bundle.ts';
import { createContainer } from './lib/containers.ts';
import { mountsUnder } from './lib/host.ts';
import { collect, projectRoot, Runtime, skipReason, tdrunBin } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('security');
afterAll(() => rt.cleanup());

const hostEtcMounts = () => mountsUnder('/etc');

describe.skipIf(!!why)('security (design.md)', () => {
  it('CVE-2021-30465 class: a mount destination that is a symlink to /etc mounts inside the rootfs, never on the host', async () => {
    const before = hostEtcMounts();
    const hostPasswd = readFileSync('/etc/passwd', 'utf8');
    for (const target of ['/etc', '../../../../../../etc']) {
      const { json, result } = await runProbe(rt, (c, b) => {
        symlinkSync(target, join(b.rootfs, 'evil'));
        c.mounts.push({ destination: '/evil', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
        c.mounts.push({ destination: '/evil/passwd', type: 'bind', source: join(b.dir, 'config.json'), options: ['bind', 'ro'] });
      });
      expect(result.code, result.stderr).toBe(0);
      expect(json.mounts.filter((m: any) => m.mountpoint === '/etc').at(-1)?.fstype, target).toBe('tmpfs');
    }
    expect(hostEtcMounts()).toEqual(before);
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(hostPasswd);
  });

  it('CVE-2024-21626 class: host fds do not leak into the container (only 0-2 + preserved)', async () => {
    const id = rt.id('leak');
    const b = makeBundle(rt, id);
    const leaked = openSync(join(b.dir, 'config.json'), 'r');
    try {
      const child = rt.spawn(['run', '-b', b.dir, id], { stdio: ['pipe', 'pipe', 'pipe', leaked, leaked, leaked] });
      const r = await collect(child, 30_000);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.fds.map((f: any) => f.fd)).toEqual([0, 1, 2]);
      expect(json.cwd).toBe('/');
    } finally {
      closeSync(leaked);
    }
  });

  it('CVE-2024-21626 class: a cwd that escapes through /proc/self/fd is refused or stays inside the rootfs', async () => {
    for (let fd = 3; fd <= 8; fd++) {
      const id = rt.id('cwdfd');
      const b = makeBundle(rt, id, (c) => {
        c.process.cwd = `/proc/self/fd/${fd}`;
      });
      const r = await rt.run(['run', '-b', b.dir, id]);
      if (r.code === 0) {
        const json = JSON.parse(r.stdout);
        expect(json.cwd, `fd ${fd}`).not.toMatch(/^\/(run|work|sys\/fs\/cgroup)/);
        expect(json.cwd.startsWith('/'), `fd ${fd}: ${json.cwd}`).toBe(true);
      } else {
        expect(r.stderr).toMatch(new RegExp(`^tdrun: run ${id}: `, 'm'));
      }
    }
  });

  it('CVE-2019-5736: /proc/self/exe of the container process is the program, and the waiting init is neither node nor tdrun and cannot be overwritten', async () => {
    const initBin = realpathSync(join(projectRoot, 'build/Release/tdrun-init'));
    const hash = () => createHash('sha256').update(readFileSync(initBin)).digest('hex');
    const before = hash();
    const { json } = await runProbe(rt);
    expect(json.exe).toBe('/probe');
    const a = await createContainer(rt, ['/probe', 'sleep', '600']);
    const pidA = (await rt.state(a.id)).pid;
    const exe = readlinkSync(`/proc/${pidA}/exe`);
    expect(exe).not.toBe(process.execPath);
    expect(exe).not.toBe(tdrunBin);
    // B shares A's pid namespace, so its /proc/1 is A's waiting init; writing through its exe
    // would overwrite the host binary.
    const { json: w } = await runProbe(rt, (c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pidA}/ns/pid` } : n));
      c.process.capabilities = { bounding: ['CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE'], permitted: ['CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE'], effective: ['CAP_SYS_PTRACE', 'CAP_DAC_OVERRIDE'] };
    }, ['write', '/proc/1/exe', 'overwritten']);
    expect(w.ok).not.toBe(true);
    expect(hash()).toBe(before);
  });

  it('CVE-2022-29162: inheritable and ambient capabilities are empty unless configured', async () => {
    const { json } = await runProbe(rt);
    expect(json.caps.inheritable).toBe('0000000000000000');
    expect(json.caps.ambient).toBe('0000000000000000');
    expect(capNumbers(json.caps.effective).length).toBeGreaterThan(0);
  });

  it('CVE-2025-31133 class: masked paths cannot be unmasked by the container (umount fails, writes go nowhere)', async () => {
    const id = rt.id('unmask');
    const b = makeBundle(rt, id, (c) => {
      c.process.args = ['/bin/sh', '-c', 'umount /proc/timer_list; umount -l /proc/timer_list; umount /sys/firmware; /probe read /proc/timer_list; /probe write /sys/firmware/x y'];
    });
    const result = await rt.run(['run', '-b', b.dir, id]);
    const out = result.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
    expect(out.length, result.stderr).toBe(2);
    expect(JSON.parse(out[0])).toEqual({ data: '' });
    expect(JSON.parse(out[1]).errno).toBe(30);
  });

  it('CVE-2025-52881 class: the container\'s /proc is a real procfs and host-wide knobs stay read-only (core_pattern)', async () => {
    const { json } = await runProbe(rt);
    const proc = json.mounts.filter((m: any) => m.mountpoint === '/proc').at(-1);
    expect(proc.fstype).toBe('proc');
    const hostPattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    const w = await runProbe(rt, undefined, ['write', '/proc/sys/kernel/core_pattern', '|/evil']);
    expect(w.json.errno).toBe(30);
    expect(readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(hostPattern);
  });

  it('a bind mount source that is a symlink in the bundle is the file it names, and /dev/console is not a host device', async () => {
    const { json, result } = await runProbe(rt, (c, b) => {
      writeFileSync(join(b.dir, 'real.txt'), 'real');
      symlinkSync(join(b.dir, 'real.txt'), join(b.dir, 'link.txt'));
      c.mounts.push({ destination: '/mnt/f', type: 'bind', source: join(b.dir, 'link.txt'), options: ['bind', 'ro'] });
    }, ['read', '/mnt/f']);
    expect(json, result.stderr).toEqual({ data: 'real' });
    const st = await runProbe(rt, undefined, ['stat', '/dev/console']);
    if (st.json[0].exists) expect([st.json[0].major, st.json[0].minor]).not.toEqual([5, 1]);
  });
});
