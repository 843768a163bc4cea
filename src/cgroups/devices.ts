// The v1 devices controller. The config's rules are applied in order and then runc's default
// allowed devices (what runc 1.1.5 leaves in a container's devices.list), so containers made for
// runc see the same /dev access. Rather than writing every rule, we replay them through a model of
// the kernel's exception list (security/device_cgroup.c: "a" resets the default and clears the
// list; a rule opposite to the default adds access bits to an exact type/major/minor entry; a rule
// equal to the default removes bits from an exact entry) and write the end state: one "a" reset,
// then one line per remaining exception. Equivalent to the replay, and never briefly more open.
import type { LinuxDeviceCgroup } from '../spec/types.ts';
import { TdrunError, describe } from '../errors.ts';
import { native } from '../native.ts';
import { writeCgroupFile } from './fs.ts';

const P = '/linux/resources/devices';

export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  /** -1 = any */
  major: number;
  minor: number;
  /** a subset of "rwm", in that order */
  access: string;
}

const defaultAllowed = (type: 'c' | 'b', major: number, minor: number, access = 'rwm'): DeviceRule => ({
  allow: true,
  type,
  major,
  minor,
  access,
});

/** runc's default allowed devices (libcontainer/specconv AllowedDevices), appended after the config's rules. */
const DEFAULT_ALLOWED: readonly DeviceRule[] = [
  defaultAllowed('c', -1, -1, 'm'),
  defaultAllowed('b', -1, -1, 'm'),
  defaultAllowed('c', 1, 3), // /dev/null
  defaultAllowed('c', 1, 8), // /dev/random
  defaultAllowed('c', 1, 7), // /dev/full
  defaultAllowed('c', 5, 0), // /dev/tty
  defaultAllowed('c', 1, 5), // /dev/zero
  defaultAllowed('c', 1, 9), // /dev/urandom
  defaultAllowed('c', 136, -1), // /dev/pts/*
  defaultAllowed('c', 5, 2), // /dev/ptmx
  defaultAllowed('c', 10, 200), // /dev/net/tun
];

function normAccess(access: string | undefined, index: number): string {
  const a = access ?? 'rwm';
  if (!/^[rwm]*$/.test(a)) throw new TdrunError(`${P}/${index}/access: ${JSON.stringify(a)}`, 'must be made of r, w and m');
  return ['r', 'w', 'm'].filter((c) => a.includes(c)).join('');
}

function fromConfig(rule: LinuxDeviceCgroup, index: number): DeviceRule[] {
  const type = rule.type ?? 'a';
  if (type !== 'a' && type !== 'c' && type !== 'b') {
    throw new TdrunError(`${P}/${index}/type: ${JSON.stringify(type)}`, 'must be a, c or b');
  }
  const access = normAccess(rule.access, index);
  const major = rule.major ?? -1;
  const minor = rule.minor ?? -1;
  if (access === '') return [];
  // the kernel reads "a" as "everything" whatever follows it; a narrower "a" rule means both types
  if (type === 'a' && (major !== -1 || minor !== -1 || access !== 'rwm')) {
    return [
      { allow: rule.allow, type: 'c', major, minor, access },
      { allow: rule.allow, type: 'b', major, minor, access },
    ];
  }
  return [{ allow: rule.allow, type, major, minor, access }];
}

export interface DeviceState {
  defaultAllow: boolean;
  exceptions: DeviceRule[];
}

/** Replays rules over a cgroup that starts as "a *:* rwm" (the state of a new cgroup under an open parent). */
function emulate(rules: readonly DeviceRule[]): DeviceState {
  const state: DeviceState = { defaultAllow: true, exceptions: [] };
  for (const r of rules) {
    if (r.type === 'a') {
      state.defaultAllow = r.allow;
      state.exceptions = [];
      continue;
    }
    const i = state.exceptions.findIndex((e) => e.type === r.type && e.major === r.major && e.minor === r.minor);
    if (r.allow !== state.defaultAllow) {
      if (i < 0) state.exceptions.push({ ...r, allow: r.allow });
      else state.exceptions[i] = { ...state.exceptions[i], access: mergeAccess(state.exceptions[i].access, r.access) };
    } else if (i >= 0) {
      const left = ['r', 'w', 'm'].filter((c) => state.exceptions[i].access.includes(c) && !r.access.includes(c)).join('');
      if (left === '') state.exceptions.splice(i, 1);
      else state.exceptions[i] = { ...state.exceptions[i], access: left };
    }
  }
  return state;
}

function mergeAccess(a: string, b: string): string {
  return ['r', 'w', 'm'].filter((c) => a.includes(c) || b.includes(c)).join('');
}

function num(n: number): string {
  return n < 0 ? '*' : String(n);
}

export function ruleLine(r: DeviceRule): string {
  return r.type === 'a' ? 'a' : `${r.type} ${num(r.major)}:${num(r.minor)} ${r.access}`;
}

export function deviceState(rules: LinuxDeviceCgroup[] | undefined): DeviceState {
  const all = (rules ?? []).flatMap((r, i) => fromConfig(r, i));
  return emulate([...all, ...DEFAULT_ALLOWED]);
}

export function applyDevicesV1(dir: string, rules: LinuxDeviceCgroup[] | undefined): void {
  const state = deviceState(rules);
  writeCgroupFile(dir, state.defaultAllow ? 'devices.allow' : 'devices.deny', 'a', P);
  const file = state.defaultAllow ? 'devices.deny' : 'devices.allow';
  if (state.exceptions.length > 0) writeCgroupFile(dir, file, state.exceptions.map(ruleLine), P);
}

const MAX_DEVICE_NUMBER = 0xffffffff;

/**
 * cgroup v2 has no devices files: the same end state as v1 is enforced by a device program
 * attached to the cgroup (addon/node/device_filter.cc). A state that allows everything needs no
 * program on create (a new cgroup allows every device); an update replaces whatever is attached.
 * Returns what detaches the program again (undefined when none was attached).
 */
export function applyDevicesV2(dir: string, rules: LinuxDeviceCgroup[] | undefined, update: boolean): (() => void) | undefined {
  const state = deviceState(rules);
  if (!update && state.defaultAllow && state.exceptions.length === 0) return undefined;
  const exceptions = state.exceptions.map((e) => {
    if (e.major > MAX_DEVICE_NUMBER || e.minor > MAX_DEVICE_NUMBER) {
      throw new TdrunError(`${P}: ${ruleLine(e)}`, 'device numbers must fit in 32 bits');
    }
    return { type: e.type as 'c' | 'b', major: e.major, minor: e.minor, access: e.access };
  });
  let id: number;
  try {
    id = native().loadDeviceFilter(dir, { defaultAllow: state.defaultAllow, exceptions });
  } catch (err) {
    throw new TdrunError(P, describe(err));
  }
  return () => native().detachDeviceFilter(dir, id);
}
