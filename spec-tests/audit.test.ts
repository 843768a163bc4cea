// `tdrun audit` and `tdrun info`: each config and rootfs rule against a bundle that breaks it and
// the same bundle fixed; `tdrun spec` output audited; a running container's extra capability
// (`exec --cap`) seen from the host; `info` against facts read independently.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle, specOutput, type Config } from './lib/bundle.ts';
import { startSleeper } from './lib/containers.ts';
import { Runtime, skipReason } from './lib/runtime.ts';
import { RULES } from '../src/audit/rules.ts';
import { CAPABILITIES } from '../src/spec/kernel.ts';

const why = skipReason();
const rt = new Runtime('audit');
afterAll(() => rt.cleanup());

type Edit = (c: Config, b: { dir: string; rootfs: string }) => void;

interface Case {
  id: string;
  /** the finding's pointer or rootfs path */
  at: string;
  violate: Edit;
  /** the fix, applied instead of `violate`; none when the base config is already fine */
  fix?: Edit;
}

const capAdd = (cap: string): Edit => (c) => {
  for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push(cap);
};
const dropNamespace = (type: string): Edit => (c) => {
  c.linux.namespaces = c.linux.namespaces.filter((ns: { type: string }) => ns.type !== type);
};
const bind = (source: (b: { dir: string }) => string, ro: boolean): Edit => (c, b) => {
  c.mounts.push({ destination: '/host', type: 'bind', source: source(b), options: ['rbind', ro ? 'ro' : 'rw'] });
};
const dataDir = (b: { dir: string }) => {
  mkdirSync(join(b.dir, 'data'), { recursive: true });
  return join(b.dir, 'data');
};
const rootfsFile = (path: string, content: string, mode = 0o644): Edit => (_c, b) => {
  mkdirSync(join(b.rootfs, path, '..'), { recursive: true });
  writeFileSync(join(b.rootfs, path), content);
  chmodSync(join(b.rootfs, path), mode);
};
// the base config (tdrun spec) has 8 mounts and 3 capabilities per set: new ones come after
const BASE_MOUNTS = specOutput().mounts.length;

const CASES: Case[] = [
  { id: 'TD001', at: '/process/scheduler/priority', violate: (c) => (c.process.scheduler = { policy: 'SCHED_FIFO', priority: 0 }) },
  { id: 'TD101', at: '/process/user/uid', violate: () => {}, fix: (c) => (c.process.user = { uid: 1000, gid: 1000 }) },
  { id: 'TD102', at: '/process/capabilities/effective/3', violate: capAdd('CAP_SYS_ADMIN'), fix: capAdd('CAP_CHOWN') },
  { id: 'TD103', at: '/process/capabilities/effective/3', violate: capAdd('CAP_SYS_NICE'), fix: capAdd('CAP_CHOWN') },
  { id: 'TD104', at: '/process/noNewPrivileges', violate: (c) => (c.process.noNewPrivileges = false) },
  { id: 'TD105', at: '/process/capabilities/inheritable', violate: (c) => (c.process.capabilities.inheritable = ['CAP_KILL']) },
  { id: 'TD106', at: '/linux/seccomp', violate: () => {}, fix: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO' }) },
  { id: 'TD107', at: '/process/apparmorProfile', violate: () => {}, fix: (c) => (c.process.apparmorProfile = 'tdrun-default') },
  { id: 'TD108', at: '/process/rlimits', violate: (c) => (c.process.rlimits = []) },
  { id: 'TD109', at: '/process/capabilities/bounding', violate: (c) => (c.process.capabilities.bounding = [...CAPABILITIES]) },
  { id: 'TD201', at: '/linux/namespaces', violate: dropNamespace('pid') },
  {
    id: 'TD201',
    at: '/linux/namespaces/0/path',
    violate: (c) => (c.linux.namespaces[0] = { type: 'pid', path: '/proc/1/ns/pid' }),
  },
  // tdrun's own namespace (this test's), which is the host's where PID 1 is hidden from root
  {
    id: 'TD202',
    at: '/linux/namespaces/1/path',
    violate: (c) => (c.linux.namespaces[1] = { type: 'network', path: `/proc/${process.pid}/ns/net` }),
  },
  { id: 'TD202', at: '/linux/namespaces', violate: dropNamespace('network') },
  { id: 'TD203', at: '/linux/namespaces', violate: dropNamespace('ipc') },
  { id: 'TD204', at: '/linux/namespaces', violate: dropNamespace('uts') },
  {
    id: 'TD205',
    at: '/linux/namespaces/4/path',
    violate: (c) => (c.linux.namespaces[4] = { type: 'mount', path: '/proc/1/ns/mnt' }),
  },
  { id: 'TD301', at: `/mounts/${BASE_MOUNTS}`, violate: bind(() => '/etc', false), fix: bind(dataDir, false) },
  { id: 'TD301', at: `/mounts/${BASE_MOUNTS}`, violate: bind(() => '/root/.ssh', false), fix: bind(() => '/root/.ssh', true) },
  // an engine's own state directory is the host's; a file it keeps below it for the container is not
  { id: 'TD301', at: `/mounts/${BASE_MOUNTS}`, violate: bind(() => '/var/lib/docker', false), fix: bind(() => '/var/lib/docker/containers/x/hosts', false) },
  { id: 'TD302', at: `/mounts/${BASE_MOUNTS}`, violate: bind(() => '/var/run/docker.sock', true) },
  { id: 'TD303', at: `/mounts/${BASE_MOUNTS}`, violate: bind(() => '/etc', true), fix: bind(dataDir, true) },
  { id: 'TD304', at: `/mounts/${BASE_MOUNTS}`, violate: bind(dataDir, false), fix: bind(dataDir, true) },
  { id: 'TD305', at: '/root/readonly', violate: (c) => (c.root.readonly = false) },
  {
    id: 'TD306',
    at: '/linux/maskedPaths',
    violate: (c) => (c.linux.maskedPaths = c.linux.maskedPaths.filter((p: string) => p !== '/proc/kcore')),
  },
  { id: 'TD307', at: '/linux/readonlyPaths', violate: (c) => (c.linux.readonlyPaths = []) },
  { id: 'TD401', at: '/linux/resources/memory/limit', violate: () => {}, fix: (c) => (c.linux.resources.memory = { limit: 64 << 20 }) },
  { id: 'TD402', at: '/linux/resources/pids/limit', violate: () => {}, fix: (c) => (c.linux.resources.pids = { limit: 100 }) },
  { id: 'TD403', at: '/linux/resources/cpu', violate: () => {}, fix: (c) => (c.linux.resources.cpu = { quota: 50000, period: 100000 }) },
  { id: 'TD404', at: '/linux/resources/devices', violate: (c) => (c.linux.resources.devices = [{ allow: true, access: 'rwm' }]) },
  {
    id: 'TD405',
    at: '/linux/devices/0',
    violate: (c) => (c.linux.devices = [{ type: 'b', path: '/dev/sda', major: 8, minor: 0 }]),
  },
  {
    id: 'TD406',
    at: '/linux/devices/0',
    violate: (c) => (c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229 }]),
  },
  {
    id: 'TD501',
    at: '/linux/sysctl/kernel.panic',
    violate: (c) => (c.linux.sysctl = { 'kernel.panic': '1' }),
    fix: (c) => (c.linux.sysctl = { 'net.ipv4.ip_forward': '1' }),
  },
  { id: 'TD601', at: '/usr/bin/su', violate: rootfsFile('/usr/bin/su', '#!/bin/sh\n', 0o4755), fix: rootfsFile('/usr/bin/su', '#!/bin/sh\n', 0o755) },
  {
    id: 'TD602',
    at: '/shared',
    violate: (_c, b) => {
      mkdirSync(join(b.rootfs, 'shared'));
      chmodSync(join(b.rootfs, 'shared'), 0o777);
    },
    fix: (_c, b) => {
      mkdirSync(join(b.rootfs, 'shared'));
      chmodSync(join(b.rootfs, 'shared'), 0o1777);
    },
  },
  { id: 'TD603', at: '/etc/passwd', violate: rootfsFile('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n') },
  { id: 'TD604', at: '/root/.ssh/id_ed25519', violate: rootfsFile('/root/.ssh/id_ed25519', 'key\n', 0o600), fix: rootfsFile('/root/.ssh/id_ed25519.pub', 'ssh-ed25519 AAAA\n') },
  {
    id: 'TD604',
    at: '/srv/tls.key',
    violate: rootfsFile('/srv/tls.key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n'),
    fix: rootfsFile('/srv/tls.crt', '-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n'),
  },
];

interface Report {
  tdrunAudit: number;
  bundle: string;
  container?: string;
  processes?: { pid: number; euid: number; capEff: string[]; uidMap: string }[];
  findings: { id: string; severity: string; pointer?: string; path?: string; title: string; detail?: string; why: string; fix: string }[];
}

async function audit(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await rt.run(['audit', '--format', 'json', ...args]);
  let report: Report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`audit ${args.join(' ')} printed no JSON (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

const at = (f: Report['findings'][number]) => f.pointer ?? f.path;

describe.skipIf(!!why)('tdrun audit of a bundle: one violating and one fixed bundle per rule', () => {
  it('every config and rootfs rule has a case here (TD605, the scan limit, is tested in src/audit/rootfs.test.ts)', () => {
    const covered = new Set(CASES.map((c) => c.id));
    const rules = RULES.filter((r) => r.kind !== 'live' && r.id !== 'TD605').map((r) => r.id);
    expect(rules.filter((id) => !covered.has(id))).toEqual([]);
  });

  for (const [i, c] of CASES.entries()) {
    it(`${c.id} at ${c.at}`, async () => {
      const bad = makeBundle(rt, `${c.id.toLowerCase()}-${i}-bad`, c.violate);
      const found = (await audit(['--fail-on', 'none', '-b', bad.dir])).report.findings.filter((f) => f.id === c.id);
      expect(found.map(at), JSON.stringify(found)).toContain(c.at);
      const good = makeBundle(rt, `${c.id.toLowerCase()}-${i}-good`, c.fix);
      const after = (await audit(['--fail-on', 'none', '-b', good.dir])).report.findings.filter((f) => f.id === c.id && at(f) === c.at);
      expect(after).toEqual([]);
    });
  }
});

describe.skipIf(!!why)('tdrun audit', () => {
  it('a `tdrun spec` bundle: root without a user namespace, no seccomp, no LSM label, no limits; nothing high, so exit 0', async () => {
    const b = makeBundle(rt, 'spec-default', undefined, specOutput());
    const { code, report } = await audit(['-b', b.dir]);
    expect(report.tdrunAudit).toBe(1);
    expect(report.bundle).toBe(b.dir);
    expect(report.findings.map((f) => `${f.severity} ${f.id} ${at(f)}`)).toEqual([
      'medium TD101 /process/user/uid',
      'medium TD106 /linux/seccomp',
      'medium TD401 /linux/resources/memory/limit',
      'medium TD402 /linux/resources/pids/limit',
      'low TD107 /process/apparmorProfile',
      'low TD403 /linux/resources/cpu',
    ]);
    for (const f of report.findings) expect(Object.keys(f).sort()).toEqual(expect.arrayContaining(['fix', 'id', 'severity', 'title', 'why']));
    expect(code).toBe(0);
    expect((await audit(['--fail-on', 'medium', '-b', b.dir])).code).toBe(2);
    expect((await audit(['--fail-on', 'low', '-b', b.dir])).code).toBe(2);
  });

  it('exits 2 on a high finding by default; the text form names id, pointer, why and fix', async () => {
    const b = makeBundle(rt, 'high', capAdd('CAP_SYS_MODULE'));
    const r = await rt.run(['audit', '-b', b.dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^tdrun audit of .*: 1 high, 4 medium, 2 low\n/);
    expect(r.stdout).toMatch(/\nHIGH   TD102  \/process\/capabilities\/effective\/3  dangerous capability added: CAP_SYS_MODULE\n {7}why: .+\n {7}fix: .+\n/);
  });

  it('a config that is not one is an error of one line, exit 1 (the schema of create)', async () => {
    const b = makeBundle(rt, 'invalid', (c) => (c.linux.resources.memory = { limit: 'lots' }));
    const r = await rt.run(['audit', '-b', b.dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('tdrun: audit: config.json /linux/resources/memory/limit: must be integer');
  });

  it('a bundle without its rootfs is an error naming it', async () => {
    const b = makeBundle(rt, 'no-rootfs', (c) => (c.root.path = 'missing'));
    const r = await rt.run(['audit', '-b', b.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`tdrun: audit: rootfs ${b.dir}/missing: no such file or directory`);
  });

  it('a container id and --bundle together are refused', async () => {
    const r = await rt.run(['audit', '-b', '/tmp', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('tdrun: audit x: audit: give a container id or --bundle, not both');
  });

  it('audit ID: a process added with `exec -d --cap CAP_SYS_ADMIN` holds a capability the config did not grant', async () => {
    const b = await startSleeper(rt);
    const pidFile = join(b.dir, 'exec.pid');
    await rt.ok(['exec', '-d', '--cap', 'CAP_SYS_ADMIN', '--pid-file', pidFile, b.id, '/probe', 'sleep', '600']);
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    const initPid = (await rt.state(b.id)).pid as number;
    const { code, report } = await audit([b.id]);
    expect(code).toBe(2);
    expect(report.container).toBe(b.id);
    expect(report.processes!.map((p) => p.pid).sort()).toEqual([initPid, execPid].sort());
    expect(report.processes!.find((p) => p.pid === execPid)!.capEff).toContain('CAP_SYS_ADMIN');
    // no user namespace in the config: the host's own ids
    expect(report.processes!.map((p) => p.uidMap)).toEqual(['0 0 4294967295', '0 0 4294967295']);
    const drift = report.findings.filter((f) => f.id === 'TD701');
    expect(drift).toEqual([
      expect.objectContaining({
        severity: 'high',
        path: `/proc/${execPid}/status`,
        detail: '/probe sleep 600: effective CAP_SYS_ADMIN, permitted CAP_SYS_ADMIN, bounding CAP_SYS_ADMIN',
      }),
    ]);
    // nothing else drifted (namespaces, mounts, limits), and the config half is the bundle's
    expect(report.findings.filter((f) => f.severity === 'high').map((f) => f.id)).toEqual(['TD701']);
    expect(report.findings.some((f) => f.id === 'TD106')).toBe(true);
  });

  it('audit ID of a well-configured container: user namespace, limits in force, a declared bind; nothing high, exit 0', async () => {
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const b = await startSleeper(rt, (c, bb) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = map;
      c.linux.gidMappings = map;
      c.linux.resources.memory = { limit: 64 << 20 };
      c.linux.resources.pids = { limit: 64 };
      // an existing directory: the mapped root may not create one in the host-owned rootfs
      c.mounts.push({ destination: '/tmp', type: 'bind', source: dataDir(bb), options: ['rbind', 'rw'] });
    });
    const { code, report } = await audit([b.id]);
    expect(report.processes!.map((p) => p.uidMap)).toEqual(['0 100000 65536']);
    expect(report.processes![0].euid).toBe(100000);
    // no drift (TD7xx), and the config half as for a bundle
    expect(report.findings.map((f) => `${f.id} ${at(f)}`)).toEqual([
      'TD106 /linux/seccomp',
      'TD107 /process/apparmorProfile',
      'TD304 /mounts/7',
      'TD403 /linux/resources/cpu',
    ]);
    expect(code).toBe(0);
  });

  it('audit ID of a container that does not exist is an error', async () => {
    const r = await rt.run(['audit', 'no-such-container']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('tdrun: audit no-such-container: container does not exist');
  });
});

/** v1, v2 or hybrid from /proc/self/mountinfo, read here without tdrun's code. */
function layoutFromMountinfo(): string {
  const types = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' - ')[1]?.split(' ')[0]);
  const v1 = types.includes('cgroup');
  const v2 = types.includes('cgroup2');
  return v1 && v2 ? 'hybrid' : v1 ? 'v1' : 'v2';
}

describe.skipIf(!!why)('tdrun info', () => {
  it('json: kernel, cgroup layout, seccomp and user namespaces as the host reports them', async () => {
    const r = await rt.ok(['info', '--format', 'json']);
    const info = JSON.parse(r.stdout);
    expect(info.tdrunInfo).toBe(1);
    expect(info.kernel.release).toBe(release());
    expect(info.cgroup.layout).toBe(layoutFromMountinfo());
    const status = readFileSync('/proc/self/status', 'utf8');
    expect(info.seccomp.kernel).toBe(/^Seccomp:/m.test(status));
    expect(info.seccomp.actions).toEqual(readFileSync('/proc/sys/kernel/seccomp/actions_avail', 'utf8').trim().split(' '));
    expect(info.userNamespaces.max).toBe(Number(readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')));
    // tdrun itself needs pidfd_open and runs here, so the probe must find it
    expect(info.syscalls.pidfd_open).toBe('available');
    const memory = info.cgroup.hierarchies.find((h: { controllers: string[] }) => h.controllers.includes('memory'));
    expect(memory).toBeDefined();
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(` ${memory.mountpoint} `);
    for (const f of info.features) expect(f).toEqual({ name: expect.any(String), supported: expect.any(Boolean), why: expect.any(String) });
    expect(info.features.find((f: { name: string }) => f.name === 'seccomp (linux.seccomp)').supported).toBe(info.seccomp.kernel);
  });

  it('text: one line per fact, then the features with [x] or [ ]', async () => {
    const r = await rt.ok(['info']);
    expect(r.stdout).toContain(`kernel: ${release()} `);
    expect(r.stdout).toContain(`cgroup: ${layoutFromMountinfo()}, PID 1 `);
    expect(r.stdout).toMatch(/\nfeatures:\n( {2}\[[x ]\] .+\n)+$/);
  });
});

describe.skipIf(!!why)('audit and info on the command line', () => {
  it('a bad --fail-on or an unknown flag is a usage error of one line', async () => {
    const bad = await rt.run(['audit', '--fail-on', 'critical']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('tdrun: usage: --fail-on critical: must be one of high, medium, low, none');
    const unknown = await rt.run(['info', '--bogus']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('tdrun: usage: unknown flag: --bogus');
  });

  it('audit --help lists the flags', async () => {
    const r = await rt.ok(['audit', '--help']);
    expect(r.stdout).toContain('--fail-on');
    expect(r.stdout).toContain('--bundle');
  });
});
