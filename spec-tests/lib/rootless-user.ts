// An unprivileged user made for a test file: its own uid and gid, a subordinate id range in
// /etc/subuid and /etc/subgid, an XDG_RUNTIME_DIR; removed with all of it afterwards.
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from './packages.ts';
import { collect, projectRoot, tdrunBin, type Result } from './runtime.ts';

export interface IdRange {
  start: number;
  count: number;
}

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  runtimeDir: string;
  subuid: IdRange;
  subgid: IdRange;
  /** the environment of a login of the user (HOME, USER, XDG_RUNTIME_DIR, PATH) */
  env: NodeJS.ProcessEnv;
  /** runs a program as the user */
  exec(file: string, args: string[], opts?: { cwd?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<Result>;
  /** `tdrun ARGS` as the user (no --root unless given: the default one) */
  tdrun(args: string[], opts?: { cwd?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<Result>;
  remove(): void;
}

function rangeOf(file: string, name: string): IdRange | null {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [owner, start, count] = line.split(':');
    if (owner === name) return { start: Number(start), count: Number(count) };
  }
  return null;
}

/** A fresh user named for `tag` (useradd gives it a 65536-id subordinate range). */
export function addRootlessUser(tag: string): RootlessUser {
  // global-setup.ts installs them
  if (!which('newuidmap') || !which('newgidmap')) throw new Error('newuidmap/newgidmap are missing (apt-get install uidmap)');
  const name = `tdrl-${tag}-${process.pid}`.slice(0, 32);
  execFileSync('useradd', ['--create-home', '--user-group', '--shell', '/bin/sh', name]);
  const removeUser = () => execFileSync('userdel', ['--remove', name], { stdio: 'ignore' });
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    // Debian's useradd assigns ranges for a normal user; one more call makes sure of it elsewhere
    if (!rangeOf('/etc/subuid', name) || !rangeOf('/etc/subgid', name)) {
      const base = 400_000 + (process.pid % 1000) * 65536;
      execFileSync('usermod', ['--add-subuids', `${base}-${base + 65535}`, '--add-subgids', `${base}-${base + 65535}`, name]);
    }
    const subuid = rangeOf('/etc/subuid', name)!;
    const subgid = rangeOf('/etc/subgid', name)!;
    const runtimeDir = mkdtempSync(join(tmpdir(), `${name}-xdg-`));
    chownSync(runtimeDir, uid, gid);
    chmodSync(runtimeDir, 0o700);
    const home = `/home/${name}`;
    const env: NodeJS.ProcessEnv = {
      HOME: home,
      USER: name,
      LOGNAME: name,
      PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      XDG_RUNTIME_DIR: runtimeDir,
    };
    const exec: RootlessUser['exec'] = (file, args, opts = {}) => {
      const options: SpawnOptions = { uid, gid, cwd: opts.cwd ?? home, env: opts.env ?? env, stdio: ['pipe', 'pipe', 'pipe'] };
      return collect(spawn(file, args, options), opts.timeoutMs ?? 30_000, opts.input);
    };
    return {
      name,
      uid,
      gid,
      home,
      runtimeDir,
      subuid,
      subgid,
      env,
      exec,
      tdrun: (args, opts) => exec(tdrunBin, args, { cwd: projectRoot, ...opts }),
      remove() {
        rmSync(runtimeDir, { recursive: true, force: true });
        // userdel also takes the user's lines out of /etc/subuid and /etc/subgid
        removeUser();
      },
    };
  } catch (err) {
    removeUser();
    throw err;
  }
}
