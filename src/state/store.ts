// The state store: one directory per container under the runtime root (default /run/tdrun),
// holding state.json (the ContainerRecord) and the exec fifo.
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Hook, LinuxResources, Process, Seccomp } from '../spec/types.ts';
import type { CgroupPlacement } from '../cgroups/setup.ts';
import type { MovedNetDevices } from '../container/net-devices.ts';
import type { RdtPlacement } from '../container/intel-rdt.ts';
import { TdrunError, describe } from '../errors.ts';
import { writeFileAtomically } from '../atomic-file.ts';

export interface ContainerRecord {
  ociVersion: string;
  id: string;
  /** host pid of the container's init */
  pid: number;
  bundle: string;
  rootfs: string;
  /** RFC 3339 */
  created: string;
  annotations?: Record<string, string>;
  /** /proc/<pid>/stat field 22, to tell our init from a later process that reuses its pid */
  initStartTime: number;
  /** "" when the container was started at once (`run`) */
  execFifo: string;
  cgroup: CgroupPlacement;
  /** the resource limits in force: config.json's linux.resources, then what each `update` changed */
  resources?: LinuxResources;
  hooks?: { poststart?: Hook[]; poststop?: Hook[] };
  namespaces: { type: string; path?: string }[];
  /** The namespace that tells the container's processes from others in its cgroup (kill --all,
   *  delete -f): its pid namespace, or without one of its own its mount namespace, as
   *  "<dev>:<inode>" of /proc/<init>/ns/<type>. Absent in records of tdrun before 0.1.1. */
  membership?: { ns: 'pid' | 'mnt'; id: string };
  /** config.json's process as validated at create: the base of `exec` without --process (as runc
   *  keeps it in its state), so editing the bundle later changes nothing */
  process?: Process;
  /** config.json's linux.seccomp: exec'd processes get the container's filter, as with runc. As
   *  JSON text (its key in the compiled-program cache is made from it, src/seccomp-cache.ts):
   *  only exec reads it, and every other command that parses the record would otherwise build
   *  a docker-sized profile's objects for nothing (~0.1 ms). Records of earlier builds hold the
   *  object. */
  seccomp?: string | Seccomp;
  /** linux.netDevices moved into the container, for delete to give back */
  netDevices?: MovedNetDevices;
  /** linux.intelRdt's resctrl groups, for update and delete */
  intelRdt?: RdtPlacement;
}

const STATE_FILE = 'state.json';
// runc's rule, a Go regexp whose "+-\." is the range '+'..'.' (so "," is allowed too)
const ID_RE = /^[\w+-.]+$/;

export function validateId(id: string): void {
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new TdrunError('invalid container id');
}

export function containerDir(root: string, id: string): string {
  validateId(id);
  return join(root, id);
}

/** Makes the container's directory, failing if the id is taken; returns its path. */
export function createContainerDir(root: string, id: string): string {
  const dir = containerDir(root, id);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  try {
    mkdirSync(dir, 0o711);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new TdrunError(`container with id exists: ${id}`);
    throw new TdrunError(`create state directory`, describe(err));
  }
  return dir;
}

export function readRecord(root: string, id: string): ContainerRecord {
  const file = join(containerDir(root, id), STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // a directory without state.json is a create still running or one that died: not a container yet
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new TdrunError('container does not exist');
    }
    throw new TdrunError('read state', describe(err));
  }
  try {
    return JSON.parse(text) as ContainerRecord;
  } catch (err) {
    throw new TdrunError(`read state ${file}`, (err as Error).message);
  }
}

/**
 * Replaces state.json atomically: a temp file in the same directory, then rename(2), so a reader
 * sees the old or the new record, never half of one. No fsync: the root is on tmpfs (/run) and
 * does not outlive a reboot anyway, and a crash of tdrun itself cannot tear a renamed file.
 */
export function writeRecord(root: string, record: ContainerRecord): void {
  const dir = containerDir(root, record.id);
  try {
    writeFileAtomically(join(dir, STATE_FILE), JSON.stringify(record), 0o600);
  } catch (err) {
    throw new TdrunError('write state', describe(err));
  }
}

export function removeContainerDir(root: string, id: string): void {
  try {
    rmSync(containerDir(root, id), { recursive: true, force: true });
  } catch (err) {
    throw new TdrunError('remove state directory', describe(err));
  }
}

/** Ids of the containers under root (directories with a valid id; "@locks" is not one). */
export function listIds(root: string): string[] {
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TdrunError(`list ${root}`, describe(err));
  }
  return entries.filter((e) => e.isDirectory() && ID_RE.test(e.name) && e.name !== '.' && e.name !== '..').map((e) => e.name).sort();
}
