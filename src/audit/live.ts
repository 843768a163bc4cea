// `tdrun audit ID`: what the processes of a running container really hold, read from the host's
// /proc and cgroupfs, set against the config the container was created with (the state record's
// process and namespaces, the rest from the bundle's config.json). Every process in the
// container's cgroup is read, not only the init: `exec --cap` adds capabilities to one process.
import { readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { TdrunError } from '../errors.ts';
import { cgroupManager, type CgroupManager } from '../cgroups/index.ts';
import { unescapeMountinfo } from '../cgroups/setup.ts';
import { commandLine } from '../container/ps.ts';
import { CAPABILITIES } from '../spec/kernel.ts';
import { readJson } from '../spec/load.ts';
import type { LinuxNamespace, Spec } from '../spec/types.ts';
import { currentStatus } from '../state/lifecycle.ts';
import { readRecord, type ContainerRecord } from '../state/store.ts';
import { CAP_SETS, LIVE_RULES, hostNamespacePath, type CapSet, type LiveContainer, type LiveMount, type LiveProcess } from './rules.ts';
import { configFindings, findings, rootfsFindings, sortFindings, type AuditReport } from './report.ts';

const STATUS_FIELD: Record<CapSet, string> = {
  effective: 'CapEff',
  permitted: 'CapPrm',
  bounding: 'CapBnd',
  inheritable: 'CapInh',
  ambient: 'CapAmb',
};

/** A /proc/PID/status capability mask ("000001ffffffffff") as capability names. */
export function capNames(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  const names: string[] = [];
  for (let i = 0; i < 64; i++) if ((mask >> BigInt(i)) & 1n) names.push(CAPABILITIES[i] ?? `CAP_${i}`);
  return names;
}

function statusField(status: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1];
}

/** Namespaces by name under /proc/PID/ns -> link text; `pathOf` says where each one is read. */
function namespacesOf(pid: number, pathOf = (name: string) => `/proc/${pid}/ns/${name}`): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(`/proc/${pid}/ns`)) {
    try {
      out[name] = readlinkSync(pathOf(name));
    } catch {
      // pid_for_children and time_for_children of a process that has none yet
    }
  }
  return out;
}

/** One process as the host sees it, or null when it exited meanwhile. */
export function readProcess(pid: number): LiveProcess | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const caps = Object.fromEntries(CAP_SETS.map((set) => [set, capNames(statusField(status, STATUS_FIELD[set]) ?? '0')])) as Record<
      CapSet,
      string[]
    >;
    return {
      pid,
      command: commandLine(pid) || `[${statusField(status, 'Name')}]`,
      // Uid: real effective saved filesystem
      euid: Number(statusField(status, 'Uid')?.split(/\s+/)[1]),
      uidMap: readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join(', '),
      caps,
      seccomp: Number(statusField(status, 'Seccomp') ?? 0),
      noNewPrivs: statusField(status, 'NoNewPrivs') === '1',
      ns: namespacesOf(pid),
    };
  } catch {
    return null;
  }
}

/** /proc/PID/mountinfo: where each mount is, its filesystem type and whether it is writable. */
export function parseMountinfo(text: string): LiveMount[] {
  const mounts: LiveMount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    mounts.push({ mountpoint: unescapeMountinfo(pre[4]), fstype: post[0], writable: pre[5].split(',').includes('rw') });
  }
  return mounts;
}

/** The memory and pids limits in force in the container's cgroups (from the manager's stats,
 *  where "no limit" is 0 for pids and a huge number for memory). */
function cgroupLimits(cgroups: CgroupManager): LiveContainer['limits'] {
  const stats = cgroups.stats();
  const memory = stats.memory.usage.limit;
  return {
    memory: memory === 0n || memory > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(memory),
    pids: stats.pids.limit === undefined ? null : Number(stats.pids.limit),
  };
}

/** The config the container runs with: the record's process and namespaces over the bundle's file. */
function recordedSpec(record: ContainerRecord): Spec {
  let bundleSpec: Spec;
  try {
    bundleSpec = readJson(`${record.bundle}/config.json`, 'config.json') as Spec;
  } catch {
    // the bundle may be gone; the record still holds what matters most
    bundleSpec = { ociVersion: record.ociVersion };
  }
  return { ...bundleSpec, process: record.process, linux: { ...bundleSpec.linux, namespaces: record.namespaces as LinuxNamespace[] } };
}

export function auditContainer(root: string, id: string): AuditReport {
  const record = readRecord(root, id);
  if (currentStatus(record) === 'stopped') throw new TdrunError('container not running');
  const spec = recordedSpec(record);
  const cgroups = cgroupManager(record.cgroup);
  const processes = cgroups
    .pids()
    .sort((a, b) => a - b)
    .map(readProcess)
    .filter((p): p is LiveProcess => p !== null);
  let mounts: LiveMount[] = [];
  try {
    mounts = parseMountinfo(readFileSync(`/proc/${record.pid}/mountinfo`, 'utf8'));
  } catch {
    // the init exited between the status check and here: the other checks still hold
  }
  const live: LiveContainer = { spec, processes, hostNs: namespacesOf(process.pid, hostNamespacePath), mounts, limits: cgroupLimits(cgroups) };
  const all = [
    ...configFindings(spec, record.bundle),
    ...rootfsFindings(spec, record.bundle),
    ...LIVE_RULES.flatMap((rule) => findings(rule.id, rule.check(live))),
  ];
  return {
    tdrunAudit: 1,
    bundle: record.bundle,
    container: id,
    processes: processes.map((p) => ({
      pid: p.pid,
      command: p.command,
      euid: p.euid,
      uidMap: p.uidMap,
      capEff: p.caps.effective,
      seccomp: p.seccomp,
      noNewPrivs: p.noNewPrivs,
    })),
    findings: sortFindings(all),
  };
}
