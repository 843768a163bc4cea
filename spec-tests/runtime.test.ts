// runtime.md: state, lifecycle, operations and errors; config.md hooks (the lifecycle they run in).
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle, runProbe, type Config } from './lib/bundle.ts';
import { addOut, createContainer, startSleeper, waitFile, waitStatus } from './lib/containers.ts';
import { cgroupMounts, existingCgroupDirs, mountsUnder, pidAlive, pidsInCgroup } from './lib/host.ts';
import { Runtime, skipReason, sleep } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('runtime');
afterAll(() => rt.cleanup());

/** Asserts that nothing of container `id` (cgroup path `cg`, bundle dir) remains on the host. */
async function expectNothingLeft(id: string, cg: string, bundleDir: string): Promise<void> {
  const st = await rt.run(['state', id]);
  expect(st.code, `state ${id} after cleanup: ${st.stdout}`).not.toBe(0);
  expect(existsSync(join(rt.root, id)), 'state dir left behind').toBe(false);
  expect(existingCgroupDirs(cg), 'cgroup dirs left behind').toEqual([]);
  expect(pidsInCgroup(cg), 'processes left behind').toEqual([]);
  expect(mountsUnder(bundleDir), 'mounts left behind').toEqual([]);
}

function hookCmd(log: string, name: string): string {
  return `printf '%s ' ${name} >> ${log}; /bin/cat >> ${log}; echo >> ${log}`;
}

describe.skipIf(!!why)('runtime.md', () => {
  it('runtime.md#state: state MUST include ociVersion, id, status, pid, bundle (absolute), annotations', async () => {
    const b = await createContainer(rt, ['/probe', 'sleep', '600'], (c) => {
      c.annotations = { 'org.tdrun.test': 'yes' };
    });
    const s = await rt.state(b.id);
    expect(typeof s.ociVersion).toBe('string');
    expect(s.ociVersion).toMatch(/^1\.\d+\.\d+/);
    expect(s.id).toBe(b.id);
    expect(s.status).toBe('created');
    expect(Number.isInteger(s.pid) && s.pid > 0).toBe(true);
    expect(pidAlive(s.pid)).toBe(true);
    expect(s.bundle).toBe(b.dir);
    expect(s.annotations).toEqual({ 'org.tdrun.test': 'yes' });
  });

  it('runtime.md#state: pid is the host pid of the container process (the user program after start)', async () => {
    const b = await startSleeper(rt);
    const s = await rt.state(b.id);
    expect(s.status).toBe('running');
    expect(readlinkSync(`/proc/${s.pid}/exe`)).toBe('/probe');
    expect(readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0')).toEqual(['/probe', 'sleep', '600', '']);
  });

  it('runtime.md#lifecycle: status goes created -> running -> stopped; hooks see creating', async () => {
    const b = await createContainer(rt, ['/bin/sh', '-c', 'read x < /out/go 2>/dev/null; /probe sleep 1'], (c, bb) => {
      addOut(c, bb);
      c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `/bin/cat > ${join(bb.dir, 'out/createRuntime.json')}`] }] };
    });
    expect(JSON.parse(readFileSync(join(b.dir, 'out/createRuntime.json'), 'utf8')).status).toBe('creating');
    expect((await rt.state(b.id)).status).toBe('created');
    await rt.ok(['start', b.id]);
    expect((await rt.state(b.id)).status).toBe('running');
    expect(await waitStatus(rt, b.id, 'stopped', 10_000)).toBe('stopped');
  });

  it('runtime.md#lifecycle: create MUST NOT run the user-specified program; start MUST run it', async () => {
    const b = await createContainer(rt, ['/bin/sh', '-c', 'echo ran > /out/ran; exec /probe sleep 600'], addOut);
    await sleep(500);
    expect(existsSync(join(b.dir, 'out/ran'))).toBe(false);
    await rt.ok(['start', b.id]);
    expect(await waitFile(join(b.dir, 'out/ran'))).toBe('ran\n');
  });

  it('runtime.md#lifecycle: updates to config.json after create MUST NOT affect the container', async () => {
    const b = await createContainer(rt, ['/bin/sh', '-c', 'echo $MARK > /out/mark'], (c, bb) => {
      addOut(c, bb);
      c.process.env.push('MARK=before');
    });
    b.config.process.env.push('MARK=after');
    b.config.process.args = ['/bin/sh', '-c', 'echo changed > /out/mark'];
    b.write();
    await rt.ok(['start', b.id]);
    expect(await waitFile(join(b.dir, 'out/mark'))).toBe('before\n');
  });

  it('runtime.md#create: a non-unique id MUST generate an error and no new container is created', async () => {
    const first = await createContainer(rt, ['/probe', 'sleep', '600']);
    const before = await rt.state(first.id);
    const other = makeBundle(rt, `${first.id}-other`, (c) => {
      c.process.args = ['/probe', 'sleep', '600'];
    });
    const r = await rt.run(['create', '-b', other.dir, first.id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/exists/);
    const after = await rt.state(first.id);
    expect(after.bundle).toBe(first.dir);
    expect(after.pid).toBe(before.pid);
    expect(after.status).toBe('created');
  });

  it('runtime.md#create: an invalid id MUST generate an error', async () => {
    const b = makeBundle(rt, rt.id('badid'));
    for (const bad of ['a/b', '..', 'x y']) {
      const r = await rt.run(['create', '-b', b.dir, bad]);
      expect(r.code, bad).not.toBe(0);
      expect(r.stderr, bad).toMatch(/^tdrun: create/m);
    }
    expect(existsSync(join(rt.root, 'a'))).toBe(false);
  });

  it('runtime.md#create: a missing container id MUST generate an error', async () => {
    const b = makeBundle(rt, rt.id('noid'));
    const r = await rt.run(['create', '-b', b.dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.length).toBeGreaterThan(0);
  });

  it('runtime.md#delete: once deleted, the id MAY be used by a subsequent container', async () => {
    const b = await createContainer(rt, ['/probe', 'exit', '0']);
    await rt.ok(['delete', '-f', b.id]);
    await rt.ok(['create', '-b', b.dir, b.id]);
    expect((await rt.state(b.id)).status).toBe('created');
  });

  it('runtime.md#start: starting an already started container MUST error and have no effect', async () => {
    const b = await startSleeper(rt);
    const before = await rt.state(b.id);
    const r = await rt.run(['start', b.id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: start ${b.id}: `, 'm'));
    const after = await rt.state(b.id);
    expect(after.status).toBe('running');
    expect(after.pid).toBe(before.pid);
    expect(pidAlive(before.pid)).toBe(true);
  });

  it('runtime.md#start: a container that does not exist MUST generate an error; no id MUST generate an error', async () => {
    const r = await rt.run(['start', 'does-not-exist']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/does not exist/);
    expect((await rt.run(['start'])).code).not.toBe(0);
  });

  it('config.md#process: a config without process MUST create; start MUST then error and change nothing', async () => {
    const id = rt.id('noproc');
    const b = makeBundle(rt, id, (c) => delete c.process);
    await rt.ok(['create', '-b', b.dir, id]);
    const st = await rt.state(id);
    expect(st.status).toBe('created');
    const r = await rt.run(['start', id]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`tdrun: start ${id}: config.json /process: is required to start a container`);
    expect((await rt.state(id)).status, 'the failed start changed nothing').toBe('created');
    expect(pidAlive(st.pid)).toBe(true);
    await rt.ok(['delete', '--force', id]);
    expect(pidAlive(st.pid)).toBe(false);

    const run = await rt.run(['run', '-b', b.dir, id]);
    expect(run.stderr.trim()).toBe(`tdrun: run ${id}: config.json /process: is required to start a container`);
    expect((await rt.run(['state', id])).code, 'run created nothing').not.toBe(0);
  });

  it('runtime.md#kill: MUST send the specified signal to the container process', async () => {
    const b = await createContainer(rt, ['/bin/sh', '-c', 'trap "echo TERM > /out/sig; exit 3" TERM; echo up > /out/up; while :; do /bin/sleep 0.1; done'], addOut);
    await rt.ok(['start', b.id]);
    expect(await waitFile(join(b.dir, 'out/up'))).toBe('up\n');
    await rt.ok(['kill', b.id, 'TERM']);
    expect(await waitFile(join(b.dir, 'out/sig'))).toBe('TERM\n');
    expect(await waitStatus(rt, b.id, 'stopped')).toBe('stopped');
  });

  it('runtime.md#kill: killing a container that is not running MUST error and have no effect', async () => {
    const b = await createContainer(rt, ['/probe', 'exit', '0']);
    await rt.ok(['start', b.id]);
    expect(await waitStatus(rt, b.id, 'stopped')).toBe('stopped');
    const r = await rt.run(['kill', b.id, 'KILL']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: kill ${b.id}: `, 'm'));
    expect((await rt.state(b.id)).status).toBe('stopped');
  });

  it('runtime.md#kill: no container id MUST generate an error', async () => {
    expect((await rt.run(['kill'])).code).not.toBe(0);
  });

  it('runtime.md#delete: deleting a running container MUST error and have no effect', async () => {
    const b = await startSleeper(rt);
    const before = await rt.state(b.id);
    const r = await rt.run(['delete', b.id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: delete ${b.id}: `, 'm'));
    expect((await rt.state(b.id)).status).toBe('running');
    expect(pidAlive(before.pid)).toBe(true);
  });

  it('runtime.md#delete: a created container is deleted without --force, as runc does (containerd\'s shim deletes a never-started task so; README says why tdrun departs from the spec here)', async () => {
    const id = rt.id('delcreated');
    const cg = `/tdrun-spec-${id}`;
    const b = makeBundle(rt, id, (c) => (c.linux.cgroupsPath = cg));
    await rt.ok(['create', '-b', b.dir, id]);
    const pid = (await rt.state(id)).pid;
    await rt.ok(['delete', id]);
    expect(pidAlive(pid)).toBe(false);
    await expectNothingLeft(id, cg, b.dir);
  });

  it('runtime.md#delete: deleting a container that does not exist MUST error; no id MUST error', async () => {
    const r = await rt.run(['delete', 'does-not-exist']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/does not exist/);
    expect((await rt.run(['delete'])).code).not.toBe(0);
  });

  it('runtime.md#query-state: a container that does not exist MUST error; no id MUST error', async () => {
    const r = await rt.run(['state', 'does-not-exist']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^tdrun: state does-not-exist: container does not exist/m);
    expect((await rt.run(['state'])).code).not.toBe(0);
  });

  it('runtime.md#delete: MUST delete the resources created during create (state, cgroups, processes, mounts)', async () => {
    const id = rt.id('del');
    const cg = `/tdrun-spec-${id}`;
    const b = makeBundle(rt, id, (c) => {
      c.process.args = ['/probe', 'sleep', '600'];
      c.linux.cgroupsPath = cg;
    });
    await rt.ok(['create', '-b', b.dir, id]);
    await rt.ok(['start', id]);
    const pid = (await rt.state(id)).pid;
    expect(existingCgroupDirs(cg).length).toBeGreaterThan(0);
    expect(pidsInCgroup(cg)).toContain(pid);
    await rt.ok(['kill', id, 'KILL']);
    expect(await waitStatus(rt, id, 'stopped')).toBe('stopped');
    await rt.ok(['delete', id]);
    await expectNothingLeft(id, cg, b.dir);
  });

  it('runtime.md#delete: resources not created by this container MUST NOT be deleted', async () => {
    const id = rt.id('keep');
    const parent = `/tdrun-spec-parent-${id}`;
    const pre = cgroupMounts().map((m) => join(m.mountpoint, parent));
    for (const d of pre) mkdirSync(d);
    try {
      const b = makeBundle(rt, id, (c, bb) => {
        c.process.args = ['/probe', 'exit', '0'];
        c.linux.cgroupsPath = `${parent}/c`;
        addOut(c, bb);
      });
      writeFileSync(join(b.dir, 'out/keep'), 'mine');
      const r = await rt.run(['run', '-b', b.dir, id]);
      expect(r.code, r.stderr).toBe(0);
      for (const d of pre) expect(existsSync(d), d).toBe(true);
      expect(existingCgroupDirs(`${parent}/c`)).toEqual([]);
      expect(readFileSync(join(b.dir, 'out/keep'), 'utf8')).toBe('mine');
      expect(existsSync(join(b.rootfs, 'probe'))).toBe(true);
    } finally {
      for (const d of pre) if (existsSync(d)) rmdirSync(d);
    }
  });

  it('runtime.md#errors: a failed create MUST leave the environment as if never attempted', async () => {
    const id = rt.id('fail');
    const cg = `/tdrun-spec-${id}`;
    const b = makeBundle(rt, id, (c) => {
      c.linux.cgroupsPath = cg;
      c.mounts.push({ destination: '/bad', type: 'no-such-fstype', source: 'none', options: [] });
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: mount .*/bad.*: no such device`, 'm'));
    await expectNothingLeft(id, cg, b.dir);
  });
});

describe.skipIf(!!why)('config.md#posix-platform-hooks', () => {
  // `run` has no exec fifo between create and start (src/container/run.ts): the order must hold there too
  it.each(['create + start', 'run'])('config.md#posix-platform-hooks: every hook kind runs, in lifecycle order, with the state on stdin (%s)', async (how) => {
    const id = rt.id('hooks');
    const b = makeBundle(rt, id, (c: Config, bb) => {
      const out = addOut(c, bb);
      const log = join(out, 'log');
      const host = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', hookCmd(log, name)] });
      c.process.args = ['/probe', 'exit', '0'];
      c.hooks = {
        prestart: [host('prestart')],
        createRuntime: [host('createRuntime1'), host('createRuntime2')],
        // createContainer runs in the container's namespaces before pivot_root: host paths still resolve.
        createContainer: [host('createContainer')],
        // startContainer runs in the container after pivot_root: its path and files are the container's.
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', hookCmd('/out/log', 'startContainer')] }],
        poststart: [host('poststart')],
        poststop: [host('poststop')],
      };
    });
    if (how === 'run') {
      await rt.ok(['run', '-b', b.dir, id]);
    } else {
      await rt.ok(['create', '-b', b.dir, id]);
      await rt.ok(['start', id]);
      expect(await waitStatus(rt, id, 'stopped')).toBe('stopped');
      await rt.ok(['delete', id]);
    }
    const lines = readFileSync(join(b.dir, 'out/log'), 'utf8').split('\n').filter(Boolean);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['prestart', 'createRuntime1', 'createRuntime2', 'createContainer', 'startContainer', 'poststart', 'poststop']);
    for (const l of lines) {
      const state = JSON.parse(l.slice(l.indexOf(' ') + 1));
      expect(state.id, l).toBe(id);
      expect(state.bundle, l).toBe(b.dir);
      expect(typeof state.ociVersion, l).toBe('string');
      expect(['creating', 'created', 'running', 'stopped'], l).toContain(state.status);
      if (!l.startsWith('poststop')) expect(state.pid, l).toBeGreaterThan(0);
    }
  });

  it('config.md#posix-platform-hooks: createContainer hooks run with the rootfs as cwd, as runc runs them', async () => {
    const id = rt.id('hookcwd');
    const b = makeBundle(rt, id, (c: Config, bb) => {
      const out = addOut(c, bb);
      c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `pwd > ${join(out, 'cwd')}; test -x probe`] }] };
    });
    await rt.ok(['create', '-b', b.dir, id], { cwd: '/' });
    expect(readFileSync(join(b.dir, 'out/cwd'), 'utf8').trim()).toBe(b.rootfs);
    await rt.ok(['delete', '-f', id]);
  });

  it('config.md#posix-platform-hooks: a failing prestart hook MUST abort create and leave nothing', async () => {
    const id = rt.id('prefail');
    const cg = `/tdrun-spec-${id}`;
    const b = makeBundle(rt, id, (c) => {
      c.linux.cgroupsPath = cg;
      c.hooks = { prestart: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 7'] }] };
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: prestart hook /bin/sh: exit status 7`, 'm'));
    await expectNothingLeft(id, cg, b.dir);
  });

  it('config.md#posix-platform-hooks: a failing createContainer hook MUST abort create and leave nothing', async () => {
    const id = rt.id('ccfail');
    const cg = `/tdrun-spec-${id}`;
    const b = makeBundle(rt, id, (c) => {
      c.linux.cgroupsPath = cg;
      c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 4'] }] };
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/createContainer hook \/bin\/sh: exit status 4/);
    await expectNothingLeft(id, cg, b.dir);
  });

  it('config.md#posix-platform-hooks: a hook past its timeout MUST fail the operation', async () => {
    const id = rt.id('timeout');
    const b = makeBundle(rt, id, (c) => {
      c.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
    });
    const t0 = Date.now();
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/createRuntime hook \/bin\/sleep: timed out/);
  });

  it('config.md#posix-platform-hooks: a failing startContainer hook MUST generate an error and the program MUST NOT run', async () => {
    const id = rt.id('scfail');
    const b = makeBundle(rt, id, (c, bb) => {
      addOut(c, bb);
      c.process.args = ['/bin/sh', '-c', 'echo ran > /out/ran'];
      c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 5'] }] };
    });
    await rt.ok(['create', '-b', b.dir, id]);
    const r = await rt.run(['start', id]);
    // runc reports a startContainer failure through the init (start itself may succeed): the
    // container MUST end up stopped without having run the program.
    expect(await waitStatus(rt, id, 'stopped')).toBe('stopped');
    await sleep(200);
    expect(existsSync(join(b.dir, 'out/ran')), `start: ${r.code} ${r.stderr}`).toBe(false);
  });

  it('config.md#posix-platform-hooks: a failing poststart hook is a warning; the container keeps running', async () => {
    const b = await createContainer(rt, ['/probe', 'sleep', '600'], (c) => {
      c.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] };
    });
    const r = await rt.run(['start', b.id]);
    expect(r.stderr).toMatch(/poststart hook \/bin\/sh: exit status 3/);
    expect((await rt.state(b.id)).status).toBe('running');
  });

  it('config.md#posix-platform-hooks: a failing poststop hook is a warning; delete still removes the container', async () => {
    const b = await createContainer(rt, ['/probe', 'exit', '0'], (c, bb) => {
      const out = addOut(c, bb);
      c.hooks = { poststop: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 9'] }, { path: '/bin/sh', args: ['sh', '-c', `echo second > ${out}/second`] }] };
    });
    await rt.ok(['start', b.id]);
    expect(await waitStatus(rt, b.id, 'stopped')).toBe('stopped');
    const r = await rt.run(['delete', b.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/poststop hook \/bin\/sh: exit status 9/);
    expect(readFileSync(join(b.dir, 'out/second'), 'utf8')).toBe('second\n');
    expect((await rt.run(['state', b.id])).code).not.toBe(0);
  });
});

describe.skipIf(!!why)('config.md', () => {
  it('config.md#extensibility: unknown properties MUST be ignored, not an error', async () => {
    const id = rt.id('unknown');
    const b = makeBundle(rt, id, (c) => {
      c.process.args = ['/probe', 'exit', '0'];
      c.someFutureField = { a: 1 };
      c.process.futureProcessField = true;
      c.linux.futureLinuxField = [1, 2];
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('config.md#valid-values: invalid values MUST generate an error (with the JSON pointer)', async () => {
    const id = rt.id('invalid');
    const b = makeBundle(rt, id, (c) => {
      c.process.user.uid = 'root';
    });
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/config\.json \/process\/user\/uid: /);
    expect(existsSync(join(rt.root, id))).toBe(false);
  });

  it('config.md#annotations: unknown annotation keys MUST NOT generate an error', async () => {
    const id = rt.id('annot');
    const b = makeBundle(rt, id, (c) => {
      c.process.args = ['/probe', 'exit', '0'];
      c.annotations = { 'com.example.unknown.key': 'v', 'org.opencontainers.image.future': 'x' };
    });
    const r = await rt.run(['run', '-b', b.dir, id]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('config.md#root: readonly true MUST make the root filesystem read-only; false leaves it writable', async () => {
    const ro = await runProbe(rt, (c) => (c.root.readonly = true), ['write', '/x', 'data']);
    expect(ro.json.errno, ro.result.stderr).toBe(30); // EROFS
    const rw = await runProbe(rt, (c) => (c.root.readonly = false), ['write', '/x', 'data']);
    expect(rw.json.ok, rw.result.stderr).toBe(true);
    expect(readFileSync(join(rw.bundle.rootfs, 'x'), 'utf8')).toBe('data');
  });

  it('config.md#root: path relative to the bundle or absolute names the rootfs', async () => {
    const rel = await runProbe(rt, undefined, ['read', '/etc/hostname']);
    expect(rel.json.data).toBe('template\n');
    const abs = await runProbe(rt, (c, b) => {
      writeFileSync(join(b.rootfs, 'etc/hostname'), 'absolute\n');
      c.root.path = b.rootfs;
    }, ['read', '/etc/hostname']);
    expect(abs.json.data).toBe('absolute\n');
  });

  it('runtime.md#lifecycle: a missing root.path MUST generate an error', async () => {
    const id = rt.id('noroot');
    const b = makeBundle(rt, id, (c) => (c.root.path = 'no-such-rootfs'));
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-rootfs/);
    expect(existsSync(join(rt.root, id))).toBe(false);
  });

  it('runtime.md#lifecycle: a config.json that is null or not JSON MUST generate an error', async () => {
    const id = rt.id('null');
    const b = makeBundle(rt, id);
    writeFileSync(join(b.dir, 'config.json'), 'null');
    const r = await rt.run(['create', '-b', b.dir, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^tdrun: create ${id}: config\\.json: must be an object`, 'm'));
    writeFileSync(join(b.dir, 'config.json'), '{"ociVersion":');
    const r2 = await rt.run(['create', '-b', b.dir, id]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/config\.json: invalid JSON/);
  });
});
