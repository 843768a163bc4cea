// Where the cgroup hierarchies are, and where a container's cgroups go in each of them.
// Works for cgroup v1, pure v2 and the hybrid layout (v1 controllers + a cgroup2 mount at
// /sys/fs/cgroup/unified), as runc's cgroupfs driver does.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { TdrunError } from '../errors.ts';

/** The cgroup v2 hierarchy's key in a placement. */
export const UNIFIED = 'unified';

export interface Hierarchy {
  /** v1: the mount's controllers joined with "," ("cpu", "cpu,cpuacct", "name=systemd"); v2: "unified" */
  key: string;
  controllers: string[];
  v2: boolean;
  /** where it is mounted */
  mountpoint: string;
  /** the cgroup shown at the mountpoint (mountinfo field 4; not "/" inside a cgroup namespace) */
  root: string;
  /** our own cgroup in this hierarchy, from /proc/self/cgroup */
  own: string;
}

export interface CgroupSetup {
  hierarchies: Hierarchy[];
}

export interface SystemdUnitName {
  /** the slice the unit goes in, e.g. "system.slice" */
  slice: string;
  /** the scope unit, e.g. "docker-abc.scope" */
  unit: string;
  /** the unit's Description, naming the container */
  description: string;
  /** the config's org.systemd.property.* annotations (name without the prefix -> GVariant text) */
  properties?: Record<string, string>;
}

/** How a state record names a container's cgroups (see CgroupManager in index.ts). */
export interface CgroupPlacement {
  /** hierarchy key -> absolute dir of the container's cgroup in it */
  paths: Record<string, string>;
  /** which driver made them; absent: cgroupfs */
  driver?: string;
  /** driver "systemd": the scope unit that owns the cgroup */
  systemd?: SystemdUnitName;
  /** rootless without host root: device rules are not applied (cgroups/rootless.ts says why) */
  skipDevices?: true;
}

/** mountinfo writes space, tab, newline and backslash in paths as \\ooo octal escapes. */
export function unescapeMountinfo(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Reads /proc/PID/cgroup text ("ID:controllers:path" lines) into hierarchy key -> cgroup path;
 * the v2 line's empty controller list becomes UNIFIED.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    const ctrls = line.slice(first + 1, second);
    paths.set(ctrls === '' ? UNIFIED : ctrls, line.slice(second + 1));
  }
  return paths;
}

/** Parses mountinfo and /proc/self/cgroup text; split out so tests can feed a fake machine. */
export function parseCgroupSetup(mountinfo: string, selfCgroup: string): CgroupSetup {
  const own = parseProcCgroup(selfCgroup);
  const hierarchies: Hierarchy[] = [];
  const seen = new Set<string>();
  const known = new Set([...own.keys()].flatMap((k) => k.split(',')));
  for (const line of mountinfo.split('\n')) {
    // most lines are other filesystems: skip them before splitting anything
    const sep = line.indexOf(' - cgroup');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescapeMountinfo(pre[3]);
    const mountpoint = unescapeMountinfo(pre[4]);
    let key: string;
    let controllers: string[];
    if (fstype === 'cgroup2') {
      key = UNIFIED;
      controllers = [];
    } else {
      controllers = (post[2] ?? '').split(',').filter((o) => known.has(o));
      if (controllers.length === 0) continue;
      // /proc/self/cgroup lists a hierarchy's controllers in the kernel's order: use that spelling
      key = [...own.keys()].find((k) => k.split(',').includes(controllers[0])) ?? controllers.join(',');
      controllers = key.split(',');
    }
    // the same hierarchy can be mounted twice (bind mounts): the first mount wins
    if (seen.has(key)) continue;
    const ownPath = own.get(key);
    if (ownPath === undefined) continue;
    seen.add(key);
    hierarchies.push({ key, controllers, v2: fstype === 'cgroup2', mountpoint, root, own: ownPath });
  }
  if (hierarchies.length === 0) throw new TdrunError('no cgroup hierarchies are mounted');
  return { hierarchies };
}

let detected: CgroupSetup | undefined;

export function detectCgroups(): CgroupSetup {
  detected ??= parseCgroupSetup(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
  return detected;
}

/** A cgroup path (as seen in /proc/<pid>/cgroup) -> its directory under the hierarchy's mount. */
export function dirOf(h: Hierarchy, cgroup: string): string | null {
  // both are absolute and clean: plain string work (path.relative and join run char by char in
  // V8's interpreter, which is all create and run use: src/launcher.ts)
  if (!isSameOrAncestor(h.root, cgroup)) return null;
  const below = h.root === '/' ? cgroup : cgroup.slice(h.root.length);
  return below === '/' ? h.mountpoint : h.mountpoint + below;
}

function isSameOrAncestor(ancestor: string, path: string): boolean {
  return path === ancestor || path.startsWith(ancestor.endsWith('/') ? ancestor : ancestor + '/');
}

/**
 * runc's cgroupfs rules: an absolute cgroupsPath is taken from each hierarchy's root, a relative
 * one from our own cgroup there; no cgroupsPath means the relative path "<id>" (as runc 1.1.5
 * does: a container "x" of a runc in memory:/a/b lands in memory:/a/b/x).
 */
export function resolvePlacement(setup: CgroupSetup, cgroupsPath: string | undefined, id: string): CgroupPlacement {
  const given = cgroupsPath === undefined || cgroupsPath === '' ? id : cgroupsPath;
  if (!given.startsWith('/') && given.split(':').length === 3) {
    throw new TdrunError(
      `cgroupsPath ${JSON.stringify(given)}`,
      'a systemd cgroup path (slice:prefix:name) needs the systemd cgroup driver (--systemd-cgroup)',
    );
  }
  const absolute = given.startsWith('/');
  const cleaned = posix.normalize(given);
  const paths: Record<string, string> = {};
  for (const h of setup.hierarchies) {
    // join() of two absolute paths clamps ".." at "/", as a path walk in cgroupfs would
    const cgroup = posix.join(absolute ? h.root : h.own, cleaned);
    const dir = dirOf(h, cgroup);
    if (dir === null) {
      throw new TdrunError(`cgroupsPath ${JSON.stringify(given)}`, `${cgroup} is outside the ${h.key} cgroup mount`);
    }
    if (isSameOrAncestor(cgroup, h.own)) {
      // joining our own cgroup or an ancestor would put tdrun itself under the container's limits and
      // freezer (runc freezes itself on `delete -f` with cgroupsPath "..")
      throw new TdrunError(
        `cgroupsPath ${JSON.stringify(given)}`,
        `resolves to ${cgroup} in ${h.key}, which contains the runtime itself`,
      );
    }
    paths[h.key] = dir;
  }
  return { paths };
}

/** The placement's hierarchy key that holds a v1 controller, or the v2 one. */
export function dirFor(placement: CgroupPlacement, controller: string): string | undefined {
  for (const [key, dir] of Object.entries(placement.paths)) {
    if (key !== UNIFIED && key.split(',').includes(controller)) return dir;
  }
  return undefined;
}
