// Rootless tdrun: an unprivileged user (made here, with subordinate id ranges, removed afterwards)
// runs containers with no help from root, as with runc: the default state root in its
// XDG_RUNTIME_DIR, a user namespace from the config's mappings (its own id directly, ranges
// through newuidmap/newgidmap), no cgroup where it has none writable (this host's cgroup v1), and
// `spec --rootless` output as is. Rules: runtime-spec config-linux.md "User namespace mappings",
// runtime.md (lifecycle, state), runc's rootless mode (--rootless, its cgroup rule).
import { chownSync, cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBundle, type Bundle, type Config } from './lib/bundle.ts';
import { Runtime, skipReason, tdrunBin, templateRootfs, waitFor, type Result } from './lib/runtime.ts';
import { addRootlessUser, type RootlessUser } from './lib/rootless-user.ts';

const why = skipReason();
const rt = new Runtime('rootless');
let user: RootlessUser;

beforeAll(() => {
  if (!why) user = addRootlessUser('rl');
});
afterAll(async () => {
  if (user) {
    const list = await user.tdrun(['list', '-q']);
    for (const id of list.stdout.split('\n').filter(Boolean)) await user.tdrun(['delete', '-f', id]);
    user.remove();
  }
  await rt.cleanup();
});

function ok(r: Result, what: string): Result {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** `tdrun spec --rootless` as the user would write it, with the process changed to `args`. */
async function rootlessConfig(args: string[]): Promise<Config> {
  const dir = join(rt.bundles, `spec-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, user.uid, user.gid);
  ok(await user.tdrun(['spec', '--rootless', '-b', dir]), 'tdrun spec --rootless');
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
  c.process.terminal = false;
  c.process.args = args;
  return c;
}

/** The last mount at `mountpoint` in mountinfo text (other lines, such as a probe's, are skipped). */
function mountAt(text: string, mountpoint: string): { device: string; root: string; options: string; fstype: string } {
  const lines = text.split('\n').map((l) => l.split(' ')).filter((f) => f.length > 6 && f[4] === mountpoint);
  const f = lines.at(-1);
  if (!f) throw new Error(`no mount at ${mountpoint} in:\n${text}`);
  return { device: f[2], root: f[3], options: f[5], fstype: f[f.indexOf('-', 6) + 1] };
}

async function userBundle(args: string[], edit?: (c: Config) => void): Promise<Bundle> {
  const base = await rootlessConfig(args);
  return makeBundle(rt, rt.id('c'), (c) => edit?.(c), base);
}

describe.skipIf(!!why)('rootless tdrun, as an unprivileged user', () => {
  it('spec --rootless maps the caller\'s own uid and gid, with a user namespace and no network one', async () => {
    const c = await rootlessConfig(['true']);
    expect(c.linux.uidMappings).toEqual([{ containerID: 0, hostID: user.uid, size: 1 }]);
    expect(c.linux.gidMappings).toEqual([{ containerID: 0, hostID: user.gid, size: 1 }]);
    const types = c.linux.namespaces.map((n: { type: string }) => n.type);
    expect(types).toContain('user');
    expect(types).not.toContain('network');
  });

  it('run/create/start/state/exec/ps/kill/delete/list with the default state root, $XDG_RUNTIME_DIR/tdrun', async () => {
    const b = await userBundle(['sleep', '300']);
    ok(await user.tdrun(['create', '-b', b.dir, b.id]), 'create');
    const root = join(user.runtimeDir, 'tdrun');
    expect(statSync(join(root, b.id)).uid).toBe(user.uid);
    const created = JSON.parse(ok(await user.tdrun(['state', b.id]), 'state').stdout);
    expect(created.status).toBe('created');
    ok(await user.tdrun(['start', b.id]), 'start');
    expect(JSON.parse(ok(await user.tdrun(['state', b.id]), 'state').stdout).status).toBe('running');
    const list = ok(await user.tdrun(['list', '--format', 'json']), 'list');
    expect(JSON.parse(list.stdout).map((s: { id: string }) => s.id)).toContain(b.id);
    // exec: root of the container's user namespace is the user outside
    const id = ok(await user.tdrun(['exec', b.id, 'sh', '-c', 'id -u; cat /proc/self/uid_map']), 'exec');
    expect(id.stdout.split('\n')[0]).toBe('0');
    expect(id.stdout.split('\n')[1].trim().split(/\s+/)).toEqual(['0', String(user.uid), '1']);
    const hostUid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${created.pid}/status`, 'utf8'))?.[1];
    expect(hostUid).toBe(String(user.uid));
    // no cgroup: ps and kill --all find the processes by the container's namespace
    ok(await user.tdrun(['exec', '-d', b.id, 'sleep', '301']), 'exec -d');
    const pids = JSON.parse(ok(await user.tdrun(['ps', '--format', 'json', b.id]), 'ps').stdout) as number[];
    expect(pids).toContain(created.pid);
    expect(pids.length).toBe(2);
    ok(await user.tdrun(['kill', '--all', b.id, 'KILL']), 'kill --all');
    const stopped = await waitFor(async () => JSON.parse((await user.tdrun(['state', b.id])).stdout).status === 'stopped', 10_000, 100);
    expect(stopped).toBe(true);
    expect(pids.some((p) => existsSync(`/proc/${p}`) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z '))).toBe(false);
    ok(await user.tdrun(['delete', b.id]), 'delete');
    expect(existsSync(join(root, b.id))).toBe(false);
    expect(ok(await user.tdrun(['list', '-q']), 'list').stdout).toBe('');
  });

  it('run with the default root, the config as spec --rootless wrote it, the program on a terminal', async () => {
    const dir = join(rt.bundles, `asis-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    cpSync(templateRootfs, join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    chownSync(dir, user.uid, user.gid);
    ok(await user.tdrun(['spec', '--rootless'], { cwd: dir }), 'spec --rootless');
    // script(1) gives the run a terminal (the config has terminal: true and runs sh)
    const r = await user.exec('script', ['-qec', `${tdrunBin} run asis-${process.pid}`, '/dev/null'], {
      cwd: dir,
      input: 'cat /proc/self/uid_map; id -u; exit\n',
    });
    ok(r, 'run of spec --rootless output');
    expect(r.stdout).toMatch(new RegExp(`\\b0\\s+${user.uid}\\s+1\\b`));
  });

  it("root of the user's own namespace (unshare -r, as rootless podman calls runtimes) is rootless by --rootless auto, as in runc", async () => {
    const dir = join(rt.bundles, `unshare-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    cpSync(templateRootfs, join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    chownSync(dir, user.uid, user.gid);
    const id = rt.id('unshare');
    // inside: euid 0, but the namespace maps no host root. Without the auto rule, tdrun would
    // make cgroups (EACCES) and put its state in /run/tdrun (EACCES)
    const script = `${tdrunBin} spec --rootless && sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"sleep", "300"/' config.json && ${tdrunBin} run -d ${id}`;
    ok(await user.exec('unshare', ['--user', '--map-root-user', 'sh', '-c', script], { cwd: dir }), 'unshare -r tdrun run -d');
    const listed = JSON.parse(ok(await user.tdrun(['list', '--format', 'json']), 'list').stdout);
    const c = listed.find((s: { id: string }) => s.id === id);
    expect(c?.status).toBe('running');
    expect(existsSync(join(user.runtimeDir, 'tdrun', id))).toBe(true);
    // the container's root is root of the unshare namespace: the user, on the host
    expect(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))?.[1]).toBe(String(user.uid));
    ok(await user.tdrun(['delete', '-f', id]), 'delete -f');
  });

  it('a state root needs XDG_RUNTIME_DIR set and owned by the user (or --root)', async () => {
    const unset = await user.tdrun(['list'], { env: { ...user.env, XDG_RUNTIME_DIR: undefined } });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toBe('tdrun: list: XDG_RUNTIME_DIR is not set: a non-root user needs it for the default state root (or pass --root DIR)\n');
    const foreign = await user.tdrun(['list'], { env: { ...user.env, XDG_RUNTIME_DIR: '/run' } });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('XDG_RUNTIME_DIR /run: is owned by uid 0, not by uid');
    // --root of the user's own needs neither; spec and info need no state root at all
    ok(await user.tdrun(['--root', join(user.runtimeDir, 'elsewhere'), 'list'], { env: { ...user.env, XDG_RUNTIME_DIR: undefined } }), 'list --root');
    ok(await user.tdrun(['info'], { env: { ...user.env, XDG_RUNTIME_DIR: undefined } }), 'info');
  });

  it('--rootless false as a user fails on what needs root (the cgroups), as runc does', async () => {
    const b = await userBundle(['true']);
    const r = await user.tdrun(['--rootless', 'false', 'run', '-b', b.dir, b.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/create cgroups: .*permission denied/);
    expect(ok(await user.tdrun(['list', '-q']), 'list').stdout).toBe('');
  });

  it('without a cgroup, pause and update say why they cannot work', async () => {
    const b = await userBundle(['sleep', '300']);
    ok(await user.tdrun(['run', '-d', '-b', b.dir, b.id]), 'run -d');
    const pause = await user.tdrun(['pause', b.id]);
    expect(pause.stderr).toBe(`tdrun: pause ${b.id}: container has no cgroup (rootless, without a writable one): no freezer to pause it with\n`);
    const update = await user.tdrun(['update', '-r', '-', b.id], { input: '{"pids": {"limit": 10}}' });
    expect(update.stderr).toBe(`tdrun: update ${b.id}: container has no cgroup (rootless, without a writable one): no limits can be changed\n`);
    ok(await user.tdrun(['delete', '-f', b.id]), 'delete -f');
  });

  it('additional gids with only the own gid mapped (setgroups denied) are refused, saying why', async () => {
    const b = await userBundle(['id'], (c) => {
      c.process.user = { uid: 0, gid: 0, additionalGids: [0] };
    });
    const r = await user.tdrun(['run', '-b', b.dir, b.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('setgroups [0]: denied in this user namespace (a gid map of your own gid only; additional gids need a range from /etc/subgid)');
  });

  it('uid/gid ranges from /etc/subuid and /etc/subgid go through newuidmap/newgidmap (config-linux.md user namespace mappings)', async () => {
    const { subuid, subgid } = user;
    const b = await userBundle(['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id'], (c) => {
      c.linux.uidMappings = [
        { containerID: 0, hostID: user.uid, size: 1 },
        { containerID: 1, hostID: subuid.start, size: subuid.count },
      ];
      c.linux.gidMappings = [
        { containerID: 0, hostID: user.gid, size: 1 },
        { containerID: 1, hostID: subgid.start, size: subgid.count },
      ];
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [5] };
    });
    const r = ok(await user.tdrun(['run', '-b', b.dir, b.id]), 'run');
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines.slice(0, 4)).toEqual([`0 ${user.uid} 1`, `1 ${subuid.start} ${subuid.count}`, `0 ${user.gid} 1`, `1 ${subgid.start} ${subgid.count}`]);
    // newgidmap keeps setgroups allowed, so the process's additional gids are applied
    expect(lines[4]).toBe('allow');
    expect(lines[5]).toBe('uid=1000 gid=1000 groups=5');
  });

  it('a range that is not the user\'s is refused by newuidmap, and nothing is left behind', async () => {
    const b = await userBundle(['true'], (c) => {
      c.linux.uidMappings = [{ containerID: 0, hostID: user.subuid.start + user.subuid.count, size: 10 }];
    });
    const r = await user.tdrun(['run', '-b', b.dir, b.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`tdrun: run ${b.id}: uid map 0 ${user.subuid.start + user.subuid.count} 10: newuidmap:`);
    expect(r.stderr).toContain('(a range must be yours in /etc/subuid)');
    expect(ok(await user.tdrun(['list', '-q']), 'list').stdout).toBe('');
  });

  it('without a writable cgroup the container runs in the caller\'s cgroups, device rules ignored as runc does', async () => {
    const b = await userBundle(['cat', '/proc/self/cgroup'], (c) => {
      c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
    });
    const r = ok(await user.tdrun(['run', '-b', b.dir, b.id]), 'run');
    // this host has no cgroup namespace in the config: the paths are the host's, the caller's own
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean).sort();
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(own);
  });

  it('a config with limits is refused when they cannot be applied, saying why (runc\'s rootless rule)', async () => {
    const b = await userBundle(['true'], (c) => {
      c.linux.resources = { memory: { limit: 64 << 20 } };
    });
    const r = await user.tdrun(['run', '-b', b.dir, b.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^tdrun: run ${b.id}: /linux/resources/memory: cannot be applied rootless: /sys/fs/cgroup/memory\\S* is not writable by uid ${user.uid}`),
    );
    expect(ok(await user.tdrun(['list', '-q']), 'list').stdout).toBe('');
  });

  it('a fresh sysfs is not permitted without a network namespace: /sys becomes a bind of the host\'s (as runc, crun)', async () => {
    const sysfs = { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
    const script = ['sh', '-c', 'cat /proc/self/mountinfo; ls /sys/kernel >/dev/null && echo listed'];
    const b = await userBundle(script, (c) => {
      c.mounts = c.mounts.map((m: { destination: string }) => (m.destination === '/sys' ? sysfs : m));
    });
    const r = ok(await user.tdrun(['run', '-b', b.dir, b.id]), 'run');
    const sys = mountAt(r.stdout, '/sys');
    expect(sys.options).toMatch(/^ro,nosuid,nodev,noexec/);
    expect(sys.fstype).toBe('sysfs');
    expect(r.stdout).toContain('listed');
    const hostSys = mountAt(readFileSync('/proc/self/mountinfo', 'utf8'), '/sys');
    expect(sys.device).toBe(hostSys.device);
    // the same config with a network namespace of its own mounts a fresh sysfs
    const fresh = await userBundle(script, (c) => {
      c.mounts = b.config.mounts;
      c.linux.namespaces.push({ type: 'network' });
    });
    const f = ok(await user.tdrun(['run', '-b', fresh.dir, fresh.id]), 'run with netns');
    expect(mountAt(f.stdout, '/sys').device).not.toBe(hostSys.device);
  });

  it('devices are the host\'s, bind-mounted (a user namespace cannot mknod)', async () => {
    const b = await userBundle(['sh', '-c', 'cat /proc/self/mountinfo; echo x > /dev/null && echo wrote']);
    const r = ok(await user.tdrun(['run', '-b', b.dir, b.id]), 'run');
    const devNull = mountAt(r.stdout, '/dev/null');
    expect(devNull.root).toBe('/null');
    expect(devNull.device).toBe(mountAt(readFileSync('/proc/self/mountinfo', 'utf8'), '/dev').device);
    expect(r.stdout).toContain('wrote');
  });

  it('info says rootless containers work, and what becomes of limits on this host', async () => {
    const info = JSON.parse(ok(await user.tdrun(['info', '--format', 'json']), 'info').stdout);
    const feature = (name: string) => info.features.find((f: { name: string }) => f.name === name);
    expect(feature('rootless containers').supported).toBe(true);
    const v2 = info.cgroup.layout === 'v2';
    expect(feature('rootless cgroup limits').supported).toBe(v2);
    expect(info.rootless.euid).toBe(user.uid);
    expect(info.rootless.subuid).toBe(true);
    expect(info.rootless.idMapHelpers).toBe(true);
  });
});
