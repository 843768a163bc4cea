// linux.intelRdt (config-linux.md "IntelRdt", as runc applies it): the container's processes go
// (tdrun-init joins with the cgroups, exec'd processes too) into a resctrl control group, <resctrl>/<closID> (the container id without one), made when
// missing and given the schemata lines; with enableMonitoring also into a monitoring group
// <group>/mon_groups/<id>. delete removes what create made. A host without the resctrl
// filesystem (no Intel RDT or AMD PQoS, or not mounted) is a clear error, as with runc.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unescapeMountinfo } from '../cgroups/setup.ts';
import { TdrunError, describe } from '../errors.ts';
import { warn } from '../log.ts';
import type { IntelRdt } from '../spec/types.ts';

/** What the state record keeps: where the processes are, and what delete removes. */
export interface RdtPlacement {
  group: string;
  /** create made the group (a closID naming an existing one shares it, and leaves it) */
  created: boolean;
  /** the monitoring group of enableMonitoring, or null */
  monitor: string | null;
}

/** Where the resctrl filesystem is mounted, from mountinfo; why not, when it is not. */
export function findResctrl(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'), filesystems = readFileSync('/proc/filesystems', 'utf8')): { root: string } | { why: string } {
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (after?.split(' ')[0] === 'resctrl') return { root: unescapeMountinfo(before.split(' ')[4]) };
  }
  return /\sresctrl$/m.test(filesystems)
    ? { why: 'the resctrl filesystem is not mounted (mount -t resctrl resctrl /sys/fs/resctrl)' }
    : { why: 'this kernel has no resctrl filesystem (no Intel RDT / AMD PQoS, or CONFIG_X86_CPU_RESCTRL off)' };
}

/** The schemata lines to write, in the order runc writes them. */
export function schemataLines(rdt: Pick<IntelRdt, 'l3CacheSchema' | 'memBwSchema' | 'schemata'>): string[] {
  const schemata = typeof rdt.schemata === 'string' ? rdt.schemata.split('\n') : (rdt.schemata ?? []);
  return [rdt.l3CacheSchema, rdt.memBwSchema, ...schemata].flatMap((s) => (s ?? '').split('\n')).map((l) => l.trim()).filter(Boolean);
}

/** One write, one line per resource (resctrl takes several); the kernel says why it refused one
 *  in info/last_cmd_status. */
function writeSchemata(resctrl: string, group: string, lines: string[]): void {
  if (!lines.length) return;
  try {
    writeFileSync(join(group, 'schemata'), lines.map((l) => `${l}\n`).join(''));
  } catch (err) {
    let status = '';
    try {
      status = readFileSync(join(resctrl, 'info/last_cmd_status'), 'utf8').trim();
    } catch {
      // older kernels have no last_cmd_status
    }
    throw new TdrunError(`write ${lines.join(', ')} to ${join(group, 'schemata')}`, status ? `${describe(err)} (${status})` : describe(err));
  }
}

/** Fails when the host cannot apply `rdt` at all: before create makes anything. */
export function requireResctrl(rdt: IntelRdt | undefined): string | null {
  if (!rdt) return null;
  const found = findResctrl();
  if ('why' in found) throw new TdrunError('config.json /linux/intelRdt', `Intel RDT is not available here: ${found.why}`);
  return found.root;
}

/** Where the container's processes go, known before anything is made: the plan carries it. */
export function rdtPlacement(resctrl: string, rdt: IntelRdt, id: string): RdtPlacement {
  const group = join(resctrl, rdt.closID || id);
  return { group, created: false, monitor: rdt.enableMonitoring ? join(group, 'mon_groups', id) : null };
}

/** The tasks file tdrun-init writes its pid to (addon/init/cgroups.cc), with the cgroups. */
export function tasksFile(placement: RdtPlacement): string {
  return join(placement.monitor ?? placement.group, 'tasks');
}

/** Makes the groups of `planned` (the control group only when missing), writes the schemata. */
export function makeIntelRdt(resctrl: string, rdt: IntelRdt, planned: RdtPlacement): RdtPlacement {
  const placement: RdtPlacement = { ...planned, monitor: null };
  try {
    mkdirSync(placement.group);
    placement.created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new TdrunError(`make the resctrl group ${placement.group}`, describe(err));
  }
  try {
    writeSchemata(resctrl, placement.group, schemataLines(rdt));
    if (planned.monitor) {
      try {
        mkdirSync(planned.monitor);
      } catch (err) {
        throw new TdrunError(`make the monitoring group ${planned.monitor}`, describe(err));
      }
      placement.monitor = planned.monitor;
    }
    return placement;
  } catch (err) {
    leaveIntelRdt(placement);
    throw err;
  }
}

/** Removes the groups create made (rmdir moves what is left in them to the parent group). */
export function leaveIntelRdt(placement: RdtPlacement): void {
  for (const dir of [placement.monitor, placement.created ? placement.group : null]) {
    if (!dir) continue;
    try {
      rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`the resctrl group ${dir} is kept: ${describe(err)}`);
    }
  }
}

/** `update --l3-cache-schema / --mem-bw-schema`: new schemata lines for the container's group.
 *  Returns what puts the old ones back, for an update that fails later on. */
export function updateSchemata(placement: RdtPlacement | undefined, rdt: Pick<IntelRdt, 'l3CacheSchema' | 'memBwSchema'>): () => void {
  const lines = schemataLines(rdt);
  if (!lines.length) return () => {};
  if (!placement) {
    const found = findResctrl();
    throw new TdrunError('Intel RDT schemata', 'why' in found ? `Intel RDT is not available here: ${found.why}` : 'the container was created without linux.intelRdt');
  }
  const resctrl = join(placement.group, '..');
  const old = schemataLines({ schemata: readFileSync(join(placement.group, 'schemata'), 'utf8') });
  writeSchemata(resctrl, placement.group, lines);
  return () => writeSchemata(resctrl, placement.group, old);
}
