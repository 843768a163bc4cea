// The systemd cgroup driver (`--systemd-cgroup`), as runc's: the container's cgroup is a transient
// scope unit "<prefix>-<name>.scope" in a slice, which systemd creates with the init's process in
// it (StartTransientUnit over D-Bus), with Delegate=yes so the cgroups below it are ours, and with
// the limits and device rules systemd knows as unit properties (so a daemon-reload does not put
// systemd's defaults back). Every limit, those systemd has no property for too, is then written by
// the cgroupfs driver on the path systemd made, exactly as runc's systemd driver ends in its
// cgroupfs one.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { LinuxResources } from '../spec/types.ts';
import { TdrunError, describe } from '../errors.ts';
import { debug, warn } from '../log.ts';
import { DBusConnection, DBusError } from './dbus.ts';
import type { DBusValue, Message, Variant } from './dbus-wire.ts';
import { type CgroupPlacement, type CgroupSetup, type SystemdUnitName, dirOf, parseProcCgroup } from './setup.ts';
import type { CgroupManager } from './index.ts';
import { cgroupfsManager, layoutOf } from './cgroupfs.ts';
import { sharesToWeight } from './cpu.ts';
import { deviceState, ruleLine } from './devices.ts';

/** runc's default slice when cgroupsPath names none, and its default prefix. */
const DEFAULT_SLICE = 'system.slice';
const DEFAULT_PREFIX = 'runc';
/** How long runc waits for systemd's job (start or stop of the unit). */
const JOB_TIMEOUT_MS = 30_000;
const UINT64_MAX = 2n ** 64n - 1n;

const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER_PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';

/**
 * cgroupsPath in systemd's form "slice:prefix:name" -> the slice and the scope's name, by runc's
 * rules: no cgroupsPath means "system.slice:runc:<id>", an empty slice means system.slice.
 */
export function parseSystemdCgroupsPath(cgroupsPath: string | undefined, id: string): SystemdUnitName {
  const where = `/linux/cgroupsPath ${JSON.stringify(cgroupsPath)}`;
  const description = `tdrun container ${id}`;
  if (cgroupsPath === undefined || cgroupsPath === '') return { slice: DEFAULT_SLICE, unit: `${DEFAULT_PREFIX}-${id}.scope`, description };
  const parts = cgroupsPath.split(':');
  if (parts.length !== 3) throw new TdrunError(where, 'the systemd cgroup driver needs the form "slice:prefix:name"');
  const [slice, prefix, name] = parts;
  if (name === '') throw new TdrunError(where, 'the name part is empty');
  if (name.endsWith('.slice')) {
    throw new TdrunError(where, 'a name ending in .slice asks for a transient slice instead of a scope: not supported by tdrun');
  }
  if (name.includes('/') || prefix.includes('/')) throw new TdrunError(where, 'a unit name cannot hold "/"');
  const unit = prefix === '' ? `${name}.scope` : `${prefix}-${name}.scope`;
  const sliceName = slice === '' ? DEFAULT_SLICE : slice;
  expandSlice(sliceName, where);
  return { slice: sliceName, unit, description };
}

/**
 * A slice's cgroup path: systemd nests slices by the dashes in their names, so "a-b-c.slice" is
 * /a.slice/a-b.slice/a-b-c.slice, and "-.slice" is the root.
 */
export function expandSlice(slice: string, where = `slice ${JSON.stringify(slice)}`): string {
  const stem = slice.endsWith('.slice') ? slice.slice(0, -'.slice'.length) : '';
  if (stem === '' || slice.includes('/')) throw new TdrunError(where, `${JSON.stringify(slice)} is not a slice name (NAME.slice)`);
  if (stem === '-') return '/';
  let path = '';
  let prefix = '';
  for (const component of stem.split('-')) {
    // "a--b.slice" and "-a.slice" have empty components: systemd refuses them
    if (component === '') throw new TdrunError(where, `${JSON.stringify(slice)} is not a valid slice name (empty part between dashes)`);
    path += `/${prefix}${component}.slice`;
    prefix += `${component}-`;
  }
  return path;
}

/**
 * systemd's own cgroup per hierarchy key, from /proc/1/cgroup, without the init.scope that
 * systemd 226+ sits in: the base of the slices (not "/" when systemd itself runs in a container
 * without a cgroup namespace).
 */
export function systemdBases(proc1Cgroup: string): Map<string, string> {
  const bases = parseProcCgroup(proc1Cgroup);
  for (const [key, path] of bases) if (path.endsWith('/init.scope')) bases.set(key, posix.dirname(path));
  return bases;
}

/** Where the scope's cgroup is in every mounted hierarchy. */
export function systemdPlacement(setup: CgroupSetup, name: SystemdUnitName, proc1Cgroup: string): CgroupPlacement {
  const bases = systemdBases(proc1Cgroup);
  const below = posix.join(expandSlice(name.slice), name.unit);
  const paths: Record<string, string> = {};
  for (const h of setup.hierarchies) {
    const cgroup = posix.join(bases.get(h.key) ?? '/', below);
    const dir = dirOf(h, cgroup);
    if (dir === null) throw new TdrunError(`systemd unit ${name.unit}`, `${cgroup} is outside the ${h.key} cgroup mount`);
    paths[h.key] = dir;
  }
  return { paths, driver: 'systemd', systemd: name };
}

function prop(name: string, signature: string, value: DBusValue): [string, Variant] {
  return [name, { signature, value }];
}

/** A cpuset list ("0-3,6") as systemd's AllowedCPUs/AllowedMemoryNodes bitmask: bit n of byte n/8. */
export function cpusetBits(list: string, where: string): number[] {
  const bytes: number[] = [];
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi < lo || hi > 8191) throw new TdrunError(`${where}: ${JSON.stringify(list)}`, 'not a list of numbers and ranges');
    for (let n = lo; n <= hi; n++) {
      while (bytes.length <= n >> 3) bytes.push(0);
      bytes[n >> 3] |= 1 << (n & 7);
    }
  }
  return bytes;
}

const unlimitedOr = (n: number): bigint => (n < 0 ? UINT64_MAX : BigInt(n));

/**
 * The unit properties runc sets for these limits (v2: genV2ResourcesProperties, v1:
 * genV1ResourcesProperties). `limitInForce`: the memory limit an update that names only swap keeps.
 */
export function resourceProperties(r: LinuxResources | undefined, v2: boolean, limitInForce?: number): [string, Variant][] {
  const props: [string, Variant][] = [];
  if (!r) return props;
  const mem = r.memory;
  if (mem?.limit) props.push(prop(v2 ? 'MemoryMax' : 'MemoryLimit', 't', unlimitedOr(mem.limit)));
  if (v2 && mem?.reservation) props.push(prop('MemoryLow', 't', unlimitedOr(mem.reservation)));
  if (v2 && mem?.swap) {
    // the spec's swap counts memory + swap; systemd's MemorySwapMax, as memory.swap.max, swap alone.
    // A pair the conversion cannot take is left to the cgroupfs write, which says what is wrong.
    const limit = mem.limit ?? limitInForce;
    if (mem.swap < 0) props.push(prop('MemorySwapMax', 't', UINT64_MAX));
    else if (limit !== undefined && limit >= 0 && mem.swap >= limit) props.push(prop('MemorySwapMax', 't', BigInt(mem.swap - limit)));
  }
  const cpu = r.cpu;
  if (cpu?.shares) props.push(v2 ? prop('CPUWeight', 't', BigInt(sharesToWeight(cpu.shares))) : prop('CPUShares', 't', BigInt(cpu.shares)));
  if (cpu?.period) props.push(prop('CPUQuotaPeriodUSec', 't', BigInt(cpu.period)));
  if (cpu?.quota || cpu?.period) {
    // systemd takes the quota per second of time, in steps of 10 ms: runc rounds up to the next step
    let perSec = UINT64_MAX;
    if (cpu.quota && cpu.quota > 0) {
      const period = BigInt(cpu.period || 100_000);
      perSec = (BigInt(cpu.quota) * 1_000_000n) / period;
      if (perSec % 10_000n !== 0n) perSec = (perSec / 10_000n + 1n) * 10_000n;
    }
    props.push(prop('CPUQuotaPerSecUSec', 't', perSec));
  }
  if (cpu?.cpus) props.push(prop('AllowedCPUs', 'ay', cpusetBits(cpu.cpus, '/linux/resources/cpu/cpus')));
  if (cpu?.mems) props.push(prop('AllowedMemoryNodes', 'ay', cpusetBits(cpu.mems, '/linux/resources/cpu/mems')));
  if (r.pids?.limit) props.push(prop('TasksMax', 't', unlimitedOr(r.pids.limit)));
  if (!v2 && r.blockIO?.weight) props.push(prop('BlockIOWeight', 't', BigInt(r.blockIO.weight)));
  return props;
}

/** systemd is running when it has made /run/systemd/system (sd_booted(3); runc asks the same). */
function requireSystemd(): void {
  if (existsSync('/run/systemd/system')) return;
  let init = '?';
  try {
    init = readFileSync('/proc/1/comm', 'utf8').trim();
  } catch {
    // only for the message
  }
  throw new TdrunError('--systemd-cgroup', `systemd is not running on this host (no /run/systemd/system; PID 1 is ${JSON.stringify(init)})`);
}

const PROPERTY_ANNOTATION = 'org.systemd.property.';

/**
 * A value in GVariant's text format, as runc reads the org.systemd.property.* annotations: a
 * boolean, a number (int32 or double when untyped, else after a type keyword such as "uint64 5"
 * or a "@t 5" type annotation) or a quoted string. Containers (arrays, tuples, dicts) are not read
 * by tdrun: an error rather than a property dropped.
 */
export function parseGVariantText(text: string, where: string): Variant {
  const t = text.trim();
  if (t === 'true' || t === 'false') return { signature: 'b', value: t === 'true' };
  const quoted = /^(['"])((?:\\.|(?!\1).)*)\1$/.exec(t);
  if (quoted) return { signature: 's', value: quoted[2].replace(/\\(.)/g, '$1') };
  const KEYWORDS: Record<string, string> = { byte: 'y', int16: 'n', uint16: 'q', int32: 'i', uint32: 'u', int64: 'x', uint64: 't', double: 'd', boolean: 'b', string: 's' };
  const typed = /^(?:@([ynqiuxtdbs])|(byte|u?int(?:16|32|64)|double|boolean|string))\s+(.+)$/.exec(t);
  if (typed) {
    const signature = typed[1] ?? KEYWORDS[typed[2]];
    const inner = parseGVariantText(typed[3], where);
    if (signature === 's' || signature === 'b') {
      if (inner.signature !== signature) throw new TdrunError(where, `${JSON.stringify(text)}: not a ${typed[1] ?? typed[2]}`);
      return inner;
    }
    if (typeof inner.value !== 'number') throw new TdrunError(where, `${JSON.stringify(text)}: not a number`);
    if (signature === 'd') return { signature, value: inner.value };
    if (!Number.isInteger(inner.value)) throw new TdrunError(where, `${JSON.stringify(text)}: not an integer`);
    return { signature, value: signature === 'x' || signature === 't' ? BigInt(inner.value) : inner.value };
  }
  if (/^[-+]?\d+$/.test(t)) return { signature: 'i', value: Number(t) };
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return { signature: 'd', value: Number(t) };
  throw new TdrunError(where, `${JSON.stringify(text)}: tdrun reads booleans, numbers and strings in GVariant text, not this`);
}

/**
 * The org.systemd.property.* annotations as unit properties, by runc's rules: a name of letters
 * only, a GVariant value, and a name ending in a lowercase letter + "Sec" (seconds, systemd's old
 * spelling) becomes "...USec" with the value in microseconds.
 */
export function annotationProperties(properties: Record<string, string> | undefined): [string, Variant][] {
  const out: [string, Variant][] = [];
  for (const [name, text] of Object.entries(properties ?? {})) {
    const where = `/annotations/${PROPERTY_ANNOTATION}${name}`;
    if (!/^[A-Za-z]{3,}$/.test(name)) throw new TdrunError(where, 'a systemd property name is three or more ASCII letters');
    const value = parseGVariantText(text, where);
    const seconds = /^(.*[a-z])Sec$/.exec(name);
    if (!seconds) {
      out.push([name, value]);
      continue;
    }
    if (typeof value.value !== 'number' && typeof value.value !== 'bigint') throw new TdrunError(where, `${JSON.stringify(text)}: seconds must be a number`);
    out.push([`${seconds[1]}USec`, { signature: 't', value: BigInt(Math.round(Number(value.value) * 1_000_000)) }]);
  }
  return out;
}

/** `create --systemd-cgroup`: the scope's name and cgroups, before anything is made. */
export function resolveSystemdPlacement(
  setup: CgroupSetup,
  cgroupsPath: string | undefined,
  id: string,
  annotations: Record<string, string> | undefined,
): CgroupPlacement {
  // the config's errors first: they hold on any host
  const name = parseSystemdCgroupsPath(cgroupsPath, id);
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (key.startsWith(PROPERTY_ANNOTATION)) properties[key.slice(PROPERTY_ANNOTATION.length)] = value;
  }
  annotationProperties(properties);
  if (Object.keys(properties).length > 0) name.properties = properties;
  if (process.geteuid?.() !== 0) {
    // runc asks the user's own systemd (systemd --user) then, with other rules for the slice
    throw new TdrunError('--systemd-cgroup', "without root it needs the user's own systemd instance, which tdrun does not support");
  }
  requireSystemd();
  return systemdPlacement(setup, name, readFileSync('/proc/1/cgroup', 'utf8'));
}

/** The name /proc/devices gives a major number ("136 pts" under "Character devices:"). */
export function deviceGroup(procDevices: string, type: 'c' | 'b', major: number): string | null {
  let section = '';
  for (const line of procDevices.split('\n')) {
    if (line.endsWith(':')) section = line;
    const m = /^\s*(\d+)\s+(\S+)$/.exec(line);
    if (m && Number(m[1]) === major && section === (type === 'c' ? 'Character devices:' : 'Block devices:')) return m[2];
  }
  return null;
}

/**
 * The device rules as systemd's DevicePolicy/DeviceAllow (runc's generateDeviceProperties): without
 * them, systemd resets the unit's device access to "allow all" whenever it re-applies the unit's
 * cgroup settings (a daemon-reload) on cgroup v1. systemd lists allowed devices only: by
 * number as /dev/char/M:m, a whole major by its /proc/devices name (char-pts), everything of a type
 * as char-* or block-*. A rule it cannot say is left out with a warning, as runc does: systemd's
 * program then denies it on cgroup v2, and on v1 only tdrun's own rules (written after) allow it.
 */
export function deviceProperties(devices: LinuxResources['devices'], procDevices: string): [string, Variant][] {
  const state = deviceState(devices ?? undefined);
  // an empty DeviceAllow first clears what the unit had (update replaces the list)
  const clear = prop('DeviceAllow', 'a(ss)', []);
  if (state.defaultAllow) {
    if (state.exceptions.length === 0) return [prop('DevicePolicy', 's', 'auto'), clear];
    warn('/linux/resources/devices: systemd has no deny list: its unit denies every device, as runc has it do');
    return [prop('DevicePolicy', 's', 'strict'), clear];
  }
  const allowed: DBusValue[] = [];
  for (const rule of state.exceptions) {
    const kind = rule.type === 'b' ? 'block' : 'char';
    let path: string;
    if (rule.major === -1) {
      if (rule.minor !== -1) {
        warn(`/linux/resources/devices: systemd's unit cannot allow "${ruleLine(rule)}" (runc skips it too): denied on cgroup v2, allowed by tdrun's own rules on v1`);
        continue;
      }
      path = `${kind}-*`;
    } else if (rule.minor === -1) {
      const group = deviceGroup(procDevices, rule.type as 'c' | 'b', rule.major);
      if (!group) {
        warn(`/linux/resources/devices: no name in /proc/devices for "${ruleLine(rule)}", so systemd's unit cannot allow it (runc skips it too): denied on cgroup v2, allowed by tdrun's own rules on v1`);
        continue;
      }
      path = `${kind}-${group}`;
    } else {
      path = `/dev/${kind}/${rule.major}:${rule.minor}`;
    }
    allowed.push([path, rule.access]);
  }
  return [prop('DevicePolicy', 's', 'strict'), clear, prop('DeviceAllow', 'a(ss)', allowed)];
}

/**
 * A connection to systemd's manager. As root, systemd's private socket, as go-systemd (so runc)
 * does: it needs no dbus-daemon and no Hello; else (or when it is missing) the system bus.
 */
async function connectSystemd(): Promise<DBusConnection> {
  requireSystemd();
  const candidates: [string, boolean][] = [];
  if (process.getuid?.() === 0) candidates.push(['/run/systemd/private', false]);
  candidates.push(['/run/dbus/system_bus_socket', true]);
  const failures: string[] = [];
  for (const [path, bus] of candidates) {
    if (!existsSync(path)) {
      failures.push(`${path}: missing`);
      continue;
    }
    try {
      const conn = await DBusConnection.open(path, bus, JOB_TIMEOUT_MS);
      debug(`systemd: connected to ${path}`);
      if (bus) {
        await conn.call({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'AddMatch',
          signature: 's',
          body: [`type='signal',sender='${SYSTEMD}',path='${MANAGER_PATH}',interface='${MANAGER}',member='JobRemoved'`],
        });
      }
      // JobRemoved goes only to subscribers on the bus (systemd's private connections get it anyway)
      await managerCall(conn, 'Subscribe');
      return conn;
    } catch (err) {
      failures.push(describe(err));
    }
  }
  throw new TdrunError('--systemd-cgroup: cannot reach systemd over D-Bus', failures.join('; '));
}

function managerCall(conn: DBusConnection, member: string, signature = '', body: DBusValue[] = []): Promise<DBusValue[]> {
  return conn.call({ destination: SYSTEMD, path: MANAGER_PATH, interface: MANAGER, member, signature, body });
}

/**
 * Runs a manager method that queues a job (its reply is the job's object path) and waits for the
 * job's JobRemoved signal, which may come before the reply does.
 */
async function runJob(conn: DBusConnection, what: string, member: string, signature: string, body: DBusValue[], onQueued?: () => void): Promise<void> {
  const finished = new Map<string, string>();
  let wake: (() => void) | null = null;
  const stop = conn.onSignal((m: Message) => {
    if (m.member !== 'JobRemoved' || m.interface !== MANAGER || m.signature !== 'uoss') return;
    finished.set(m.body[1] as string, m.body[3] as string);
    wake?.();
  });
  try {
    const [job] = (await managerCall(conn, member, signature, body)) as [string];
    onQueued?.();
    const deadline = Date.now() + JOB_TIMEOUT_MS;
    while (!finished.has(job)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new TdrunError(what, `systemd's job ${job} did not finish within ${JOB_TIMEOUT_MS / 1000} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    const result = finished.get(job);
    if (result !== 'done') throw new TdrunError(what, `systemd's job ended with "${result}"`);
  } finally {
    stop();
  }
}

/** With a connection to systemd for the length of `use`. */
async function withSystemd<T>(use: (conn: DBusConnection) => Promise<T>): Promise<T> {
  const conn = await connectSystemd();
  try {
    return await use(conn);
  } finally {
    conn.close();
  }
}

/**
 * Starts the transient scope with `pid` in it, with runc's properties: Delegate (the cgroups below
 * the scope are the container's), no default dependencies (the scope must not wait for, or stop
 * with, other units at shutdown), accounting on for the controllers the limits need.
 */
async function startScope(name: SystemdUnitName, pid: number, resources: LinuxResources | undefined, v2: boolean): Promise<void> {
  const properties: [string, Variant][] = [
    prop('Description', 's', name.description),
    prop('Slice', 's', name.slice),
    prop('Delegate', 'b', true),
    prop('PIDs', 'au', [pid]),
    prop('DefaultDependencies', 'b', false),
    prop('MemoryAccounting', 'b', true),
    prop('CPUAccounting', 'b', true),
    prop(v2 ? 'IOAccounting' : 'BlockIOAccounting', 'b', true),
    prop('TasksAccounting', 'b', true),
    ...resourceProperties(resources, v2),
    ...deviceProperties(resources?.devices, readFileSync('/proc/devices', 'utf8')),
    // last, as runc: the config's own properties win over the generated ones
    ...annotationProperties(name.properties),
  ];
  const what = `start systemd unit ${name.unit}`;
  let queued = false;
  try {
    await withSystemd((conn) =>
      runJob(conn, what, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', [name.unit, 'replace', properties, []], () => (queued = true)),
    );
  } catch (err) {
    if (err instanceof DBusError && err.name === 'org.freedesktop.systemd1.UnitExists') {
      // someone else's unit: left alone
      throw new TdrunError(what, 'a unit of that name exists already (another container with the same cgroupsPath?)');
    }
    const failure = err instanceof DBusError ? new TdrunError(what, err.message) : err;
    // the unit exists once its job was queued, even when the job failed: it goes too
    if (queued) {
      try {
        await stopScope(name);
      } catch (stopErr) {
        throw new TdrunError(describe(failure), `and removing the unit failed: ${describe(stopErr)}`);
      }
    }
    throw failure;
  }
  debug(`systemd: ${name.unit} started in ${name.slice}`);
}

/** `update`: the new limits as properties of the running scope (runtime only, as runc). */
async function setScopeProperties(name: SystemdUnitName, resources: LinuxResources, v2: boolean, limitInForce?: number): Promise<void> {
  const properties = resourceProperties(resources, v2, limitInForce);
  if (resources.devices) properties.push(...deviceProperties(resources.devices, readFileSync('/proc/devices', 'utf8')));
  if (properties.length === 0) return;
  try {
    await withSystemd((conn) => managerCall(conn, 'SetUnitProperties', 'sba(sv)', [name.unit, true, properties]));
  } catch (err) {
    throw err instanceof DBusError ? new TdrunError(`set properties of systemd unit ${name.unit}`, err.message) : err;
  }
}

/**
 * Stops the scope and waits until systemd has removed its cgroup. A scope whose processes all
 * ended has usually been stopped and forgotten by systemd already: that is no error.
 */
async function stopScope(name: SystemdUnitName): Promise<void> {
  const what = `stop systemd unit ${name.unit}`;
  try {
    await withSystemd(async (conn) => {
      try {
        await runJob(conn, what, 'StopUnit', 'ss', [name.unit, 'replace']);
      } catch (err) {
        if (!(err instanceof DBusError && err.name === 'org.freedesktop.systemd1.NoSuchUnit')) throw err;
      }
      // a scope that failed stays listed (and its name taken) until reset
      try {
        await managerCall(conn, 'ResetFailedUnit', 's', [name.unit]);
      } catch (err) {
        if (!(err instanceof DBusError)) throw err;
      }
    });
  } catch (err) {
    throw err instanceof DBusError ? new TdrunError(what, err.message) : err;
  }
}

/**
 * The systemd driver's manager: the unit calls above, and for everything else (the files systemd
 * has no property for, device rules, freezer, stats, pids, the v1 hierarchies systemd leaves
 * alone) the cgroupfs driver on the scope's paths, as runc's systemd managers use its fs ones.
 */
export function systemdManager(placement: CgroupPlacement): CgroupManager {
  const name = placement.systemd;
  if (!name) throw new TdrunError('cgroup driver "systemd"', 'the state names no systemd unit');
  const files = cgroupfsManager(placement);
  const v2 = layoutOf(placement) === 'v2';
  return {
    placement,
    create: (resources) => files.create(resources),
    apply: (resources) => files.apply(resources),
    update: (changes, inForce, commit) => files.update(changes, inForce, commit),
    freeze: () => files.freeze(),
    thaw: () => files.thaw(),
    freezerState: () => files.freezerState(),
    stats: () => files.stats(),
    watchOom: () => files.watchOom(),
    pids: () => files.pids(),
    // after stopUnit: what systemd removed is gone (ENOENT is no error), the rest is ours
    destroy: () => files.destroy(),
    async startUnit(pid, resources) {
      await startScope(name, pid, resources, v2);
      return () => stopScope(name);
    },
    setUnitProperties: (changes, inForce) => setScopeProperties(name, changes, v2, inForce?.memory?.limit),
    stopUnit: () => stopScope(name),
  };
}
