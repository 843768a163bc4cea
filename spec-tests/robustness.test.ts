// Robustness: concurrency, failures midway leave nothing, SIGKILL of tdrun mid-create, and
// configs written by others (the runtime-spec's example, `runc spec`) run unchanged.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle } from './lib/bundle.ts';
import { existingCgroupDirs, mountsUnder, pidsInCgroup } from './lib/host.ts';
import { Runtime, skipReason, templateRootfs, waitFor } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('robust');
afterAll(() => rt.cleanup());

async function expectNothingLeft(id: string, cg: string, bundleDir: string): Promise<void> {
  expect((await rt.run(['state', id])).code).not.toBe(0);
  expect(existsSync(join(rt.root, id)), 'state dir left behind').toBe(false);
  expect(existingCgroupDirs(cg), 'cgroup dirs left behind').toEqual([]);
  expect(pidsInCgroup(cg), 'processes left behind').toEqual([]);
  expect(mountsUnder(bundleDir), 'mounts left behind').toEqual([]);
}

const hasRunc = (() => {
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!!why)('robustness', () => {
  it('20 parallel creates of different ids all succeed', async () => {
    const bundles = Array.from({ length: 20 }, () => {
      const id = rt.id('par');
      return makeBundle(rt, id, (c) => (c.process.args = ['/probe', 'sleep', '600']));
    });
    const results = await Promise.all(bundles.map((b) => rt.run(['create', '-b', b.dir, b.id], { timeoutMs: 120_000 })));
    results.forEach((r, i) => expect(r.code, `${bundles[i].id}: ${r.stderr}`).toBe(0));
    const states = await Promise.all(bundles.map((b) => rt.state(b.id)));
    expect(states.map((s) => s.status)).toEqual(bundles.map(() => 'created'));
    expect(new Set(states.map((s) => s.pid)).size).toBe(20);
    const deletes = await Promise.all(bundles.map((b) => rt.run(['delete', '-f', b.id], { timeoutMs: 120_000 })));
    deletes.forEach((r, i) => expect(r.code, `${bundles[i].id}: ${r.stderr}`).toBe(0));
  }, 240_000);

  it('a refused exec (no such container, a stopped one) reaps the tdrun-init it had started', async () => {
    // exec spawns tdrun-init before it reads the record (src/container/exec.ts); an orphan it
    // failed to reap would stay a zombie of PID 1 (this VM's init does not reap). Zombies whose
    // tdrun is still about to reap them (other suites run beside this one) are not orphans.
    const helperZombies = () =>
      readdirSync('/proc').filter((p) => {
        try {
          if (!readFileSync(`/proc/${p}/stat`, 'utf8').includes('(tdrun-init) Z 1 ')) return false;
          // not the init of a created container that another suite killed (`kill`, `delete -f`):
          // that one is PID 1 of its own pid namespace, exec's helper lives in the host's
          return !/^NSpid:\s+\d+\s+\d+/m.test(readFileSync(`/proc/${p}/status`, 'utf8'));
        } catch {
          return false;
        }
      });
    const before = new Set(helperZombies());
    const missing = await rt.run(['exec', rt.id('nosuch'), '/bin/true']);
    expect(missing.stderr).toContain('container does not exist');
    const b = makeBundle(rt, rt.id('stopped'), (c) => (c.process.args = ['/probe', 'exit', '0']));
    await rt.ok(['create', '-b', b.dir, b.id]);
    await rt.ok(['start', b.id]);
    await waitFor(async () => (await rt.state(b.id)).status === 'stopped');
    const stopped = await rt.run(['exec', b.id, '/bin/true']);
    expect(stopped.stderr).toContain('cannot exec in a stopped container');
    await new Promise((r) => setTimeout(r, 100));
    expect(helperZombies().filter((p) => !before.has(p))).toEqual([]);
  });

  it('two concurrent delete -f of one id are both safe and leave nothing', async () => {
    const id = rt.id('dd');
    const cg = `/tdrun-spec-${id}`;
    const b = makeBundle(rt, id, (c) => {
      c.process.args = ['/probe', 'sleep', '600'];
      c.linux.cgroupsPath = cg;
    });
    await rt.ok(['create', '-b', b.dir, id]);
    await rt.ok(['start', id]);
    const [r1, r2] = await Promise.all([rt.run(['delete', '-f', id]), rt.run(['delete', '-f', id])]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    await expectNothingLeft(id, cg, b.dir);
  });

  it('runtime.md#errors: a create failing midway (missing binary, bad mount, failing hook) leaves no state, cgroup, process or mount', async () => {
    const cases: [string, (c: any) => void, RegExp][] = [
      ['nobin', (c) => (c.process.args = ['/no/such/binary']), /no\/such\/binary/],
      ['badmount', (c) => c.mounts.push({ destination: '/proc/../x', type: 'proc', source: 'proc', options: ['no-such-option=1'] }), /mount/],
      ['hook', (c) => (c.hooks = { createRuntime: [{ path: '/bin/false' }] }), /createRuntime hook \/bin\/false/],
      // refused by the kernel once tdrun-init exists and waits for its plan
      ['cgroupvalue', (c) => (c.linux.resources = { ...c.linux.resources, cpu: { cpus: '99999' } }), /cpuset\.cpus/],
    ];
    for (const [name, edit, msg] of cases) {
      const id = rt.id(name);
      const cg = `/tdrun-spec-${id}`;
      const b = makeBundle(rt, id, (c) => {
        c.linux.cgroupsPath = cg;
        edit(c);
      });
      const r = await rt.run(['create', '-b', b.dir, id]);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toMatch(new RegExp(`^tdrun: create ${id}: `, 'm'));
      expect(r.stderr.trim().split('\n'), `${name}: one line`).toHaveLength(1);
      expect(r.stderr, name).toMatch(msg);
      await expectNothingLeft(id, cg, b.dir);
    }
  });

  it('SIGKILL of tdrun during create (slow createRuntime hook), then delete -f, leaves nothing', async () => {
    const id = rt.id('sigkill');
    const cg = `/tdrun-spec-${id}`;
    const b = makeBundle(rt, id, (c) => {
      c.linux.cgroupsPath = cg;
      c.process.args = ['/probe', 'sleep', '600'];
      c.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '5'] }] };
    });
    const child = rt.spawn(['create', '-b', b.dir, id], { stdio: ['ignore', 'ignore', 'ignore'] });
    await waitFor(() => existingCgroupDirs(cg).length > 0 && pidsInCgroup(cg).length > 0, 5000);
    await new Promise((r) => setTimeout(r, 500));
    expect(pidsInCgroup(cg).length, 'the init was waiting in its cgroup when tdrun was killed').toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const del = await rt.run(['delete', '-f', id]);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(() => pidsInCgroup(cg).length === 0 && existingCgroupDirs(cg).length === 0, 3000);
    await expectNothingLeft(id, cg, b.dir);
  });

  it('config.md#configuration-schema-example: the runtime-spec example config (paths adapted, unsupported settings removed) runs', async () => {
    const id = rt.id('example');
    const b = makeBundle(rt, id, (c) => {
      const example = {
        ociVersion: '1.0.1',
        process: {
          terminal: false,
          user: { uid: 1, gid: 1, additionalGids: [5, 6] },
          args: ['sh', '-c', 'id -u; id -g; hostname'],
          env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
          cwd: '/',
          capabilities: {
            bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
            permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
            inheritable: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
            effective: ['CAP_AUDIT_WRITE', 'CAP_KILL'],
            ambient: ['CAP_NET_BIND_SERVICE'],
          },
          rlimits: [{ type: 'RLIMIT_CORE', hard: 1024, soft: 1024 }, { type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
          noNewPrivileges: true,
          oomScoreAdj: 100,
        },
        root: { path: 'rootfs', readonly: true },
        hostname: 'slartibartfast',
        mounts: [
          { destination: '/proc', type: 'proc', source: 'proc' },
          { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
          { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
          { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
          { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
          { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev'] },
          { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
        ],
        hooks: {
          prestart: [{ path: '/bin/true', args: ['true'] }],
          poststart: [{ path: '/bin/true', args: ['true'], env: ['key1=value1'], timeout: 5 }],
          poststop: [{ path: '/bin/true', args: ['true'] }],
        },
        linux: {
          devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }],
          sysctl: { 'net.ipv4.ip_forward': '1', 'net.core.somaxconn': '256' },
          cgroupsPath: `/tdrun-spec-${id}`,
          resources: {
            devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }],
            pids: { limit: 32771 },
            memory: { limit: 536870912, reservation: 536870912, swappiness: 0, disableOOMKiller: false },
            cpu: { shares: 1024, quota: 1000000, period: 500000, cpus: '0', mems: '0' },
          },
          rootfsPropagation: 'slave',
          namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
          maskedPaths: ['/proc/kcore', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug'],
          readonlyPaths: ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
        },
        annotations: { 'com.example.key1': 'value1', 'com.example.key2': 'value2' },
      };
      for (const k of Object.keys(c)) delete c[k];
      Object.assign(c, example);
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['1', '1', 'slartibartfast', '']);
  });

  it.skipIf(!hasRunc)('`runc spec` default config runs unchanged (terminal true, sh)', async () => {
    const dir = join(rt.bundles, rt.id('runcspec'));
    mkdirSync(dir, { recursive: true });
    cpSync(templateRootfs, join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    execFileSync('runc', ['spec'], { cwd: dir });
    const before = readFileSync(join(dir, 'config.json'), 'utf8');
    const r = await rt.run(['run', '-b', dir, rt.id('runcspecrun')], { input: 'echo from-runc-spec-$((2+3)); exit 4\n' });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toContain('from-runc-spec-5');
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(before);
  });
});
