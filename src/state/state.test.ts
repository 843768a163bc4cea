import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import {
  createContainerDir, listIds, readRecord, removeContainerDir, validateId, writeRecord, type ContainerRecord,
} from './store.ts';
import { lockContainer, lockDir } from './lock.ts';
import { currentStatus, readProcStartTime } from './lifecycle.ts';
import { requireStatus } from './transitions.ts';

const nodeBin = process.execPath;
const lockModule = resolve(import.meta.dirname, 'lock.ts');
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tdrun-state-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function record(id: string, extra: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    ociVersion: '1.2.0', id, pid: 0, bundle: '/b', rootfs: '/b/rootfs', created: new Date().toISOString(),
    initStartTime: 0, execFifo: join(root, id, 'exec.fifo'), cgroup: { paths: {} }, namespaces: [], ...extra,
  };
}

describe('store', () => {
  it('validates ids like runc', () => {
    for (const ok of ['a', 'a.b', 'a-b_c+d', 'x,y', '...']) expect(() => validateId(ok), ok).not.toThrow();
    for (const bad of ['', '.', '..', 'a/b', 'a b', 'a@b']) expect(() => validateId(bad), bad).toThrow('invalid container id');
  });
  it('creates exclusively, round-trips atomically, lists and removes', () => {
    createContainerDir(root, 'c1');
    expect(() => createContainerDir(root, 'c1')).toThrow('container with id exists: c1');
    expect(() => readRecord(root, 'c1')).toThrow('container does not exist');
    expect(() => readRecord(root, 'nope')).toThrow('container does not exist');
    writeRecord(root, record('c1', { pid: 42 }));
    expect(readRecord(root, 'c1').pid).toBe(42);
    expect(readdirSync(join(root, 'c1'))).toEqual(['state.json']);
    lockContainer(root, 'c1').release();
    expect(listIds(root)).toEqual(['c1']);
    removeContainerDir(root, 'c1');
    expect(listIds(root)).toEqual([]);
  });
});

function holder(id: string, ms: number, removeDir: boolean) {
  // a second process: lock, say so, hold, optionally delete the container, release
  const code = `
    import { lockContainer } from ${JSON.stringify(lockModule)};
    import { rmSync } from 'node:fs';
    const l = lockContainer(${JSON.stringify(root)}, ${JSON.stringify(id)});
    process.stdout.write('locked\\n');
    setTimeout(() => { ${removeDir ? `rmSync(${JSON.stringify(join(root, id))}, { recursive: true });` : ''} l.release(); process.exit(0); }, ${ms});`;
  const child = spawn(nodeBin, ['--no-warnings', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((r) => child.stdout.on('data', () => r()));
  const done = new Promise<void>((r) => child.on('exit', () => r()));
  return { ready, done };
}

describe('lock (two processes)', () => {
  it('serialises one id, not others', async () => {
    createContainerDir(root, 'a');
    createContainerDir(root, 'b');
    const h = holder('a', 400, false);
    await h.ready;
    expect(() => lockContainer(root, 'a', { wait: false })).toThrow('container a is busy');
    lockContainer(root, 'b', { wait: false }).release();
    const t0 = Date.now();
    const l = lockContainer(root, 'a');
    expect(Date.now() - t0).toBeGreaterThan(200);
    l.release();
    await h.done;
  });
  it('stays exclusive when the holder deletes the container and its lock file', async () => {
    createContainerDir(root, 'a');
    const h = holder('a', 300, true);
    await h.ready;
    // this waiter opened the old lock file; the holder unlinks it on release
    const waiter = spawnSync(nodeBin, ['--no-warnings', '--input-type=module', '-e', `
      import { lockContainer } from ${JSON.stringify(lockModule)};
      import { statSync, fstatSync } from 'node:fs';
      const l = lockContainer(${JSON.stringify(root)}, 'a');
      // the lock we hold is on the file that the path names now
      process.stdout.write(String(statSync(${JSON.stringify(join(lockDir(root), 'a'))}).ino > 0));
      l.release();`], { encoding: 'utf8' });
    expect(waiter.stderr).toBe('');
    expect(waiter.stdout).toBe('true');
    await h.done;
    expect(existsSync(join(lockDir(root), 'a'))).toBe(false);
  });
});

describe('lifecycle', () => {
  it('reads start times and tells created, running, stopped and pid reuse apart', async () => {
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const pid = child.pid!;
    const start = readProcStartTime(pid)!;
    expect(start).toBeGreaterThan(0);
    createContainerDir(root, 'c');
    const fifo = join(root, 'c', 'exec.fifo');
    writeFileSync(fifo, '');
    const rec = record('c', { pid, initStartTime: start, execFifo: fifo });
    expect(currentStatus(rec)).toBe('created');
    rmSync(fifo);
    expect(currentStatus(rec)).toBe('running');
    expect(() => requireStatus('start', rec)).toThrow('cannot start an already running container');
    expect(() => requireStatus('delete', rec)).toThrow('cannot delete container c that is not stopped: running');
    expect(currentStatus({ ...rec, initStartTime: start + 1 })).toBe('stopped');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(readProcStartTime(pid)).toBeNull();
    expect(currentStatus(rec)).toBe('stopped');
    expect(requireStatus('delete', rec)).toBe('stopped');
  });
  it('sees a zombie init as stopped', async () => {
    // sleep 5 becomes the parent of the backgrounded sleep and never waits for it: a zombie
    const sh = spawn('/bin/sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = Number(await new Promise<string>((r) => sh.stdout.once('data', (d) => r(String(d)))));
    const rec = record('z', { pid, initStartTime: readProcStartTime(pid)! });
    expect(currentStatus(rec)).toBe('running');
    await new Promise((r) => setTimeout(r, 600));
    expect(readProcStartTime(pid)).toBe(rec.initStartTime);
    expect(currentStatus(rec)).toBe('stopped');
    sh.kill('SIGKILL');
    await new Promise((r) => sh.once('exit', r));
  });
});
