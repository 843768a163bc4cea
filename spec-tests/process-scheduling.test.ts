// config.md#scheduler, config.md#process execCPUAffinity, config-linux.md#memory-policy and the
// LSM labels (config.md#process apparmorProfile/selinuxLabel, config-linux.md mountLabel, exec's
// --apparmor/--process-label): the probe reads back what the process got (sched_getattr,
// sched_getaffinity, get_mempolicy, /proc/self/attr/current).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle, runProbe, type Config } from './lib/bundle.ts';
import { startSleeper } from './lib/containers.ts';
import { Runtime, skipReason } from './lib/runtime.ts';
import { hostLsm } from '../src/spec/lsm.ts';

const why = skipReason();
const rt = new Runtime('sched');
afterAll(() => rt.cleanup());

const SCHED = { OTHER: 0, FIFO: 1, BATCH: 3, IDLE: 5, DEADLINE: 6 };
const MPOL = { DEFAULT: 0, PREFERRED: 1, BIND: 2, INTERLEAVE: 3, LOCAL: 4, PREFERRED_MANY: 5, WEIGHTED_INTERLEAVE: 6 };
const MPOL_F_STATIC_NODES = 1 << 15;
const MPOL_F_RELATIVE_NODES = 1 << 14;
const onlineCpus = (): number => {
  const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
  return online === '0' ? 1 : Number(online.split('-').pop()) + 1;
};

/** run must fail with exactly this line on stderr, leaving no container behind. */
async function expectRefused(edit: (c: Config) => void, line: string): Promise<void> {
  const id = rt.id('refused');
  const b = makeBundle(rt, id, (c) => {
    c.process.args = ['/probe'];
    edit(c);
  });
  const r = await rt.run(['run', '-b', b.dir, id]);
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toContain(`tdrun: run ${id}: ${line}`);
  expect((await rt.run(['state', id])).code, 'nothing is left behind').not.toBe(0);
}

describe.skipIf(!!why)('config.md#scheduler', () => {
  it('config.md#scheduler: policy and nice MUST be applied (SCHED_BATCH nice 7, SCHED_IDLE); without it the process keeps SCHED_OTHER nice 0', async () => {
    const batch = await runProbe(rt, (c) => (c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 }));
    expect(batch.result.code, batch.result.stderr).toBe(0);
    expect(batch.json.scheduler).toMatchObject({ policy: SCHED.BATCH, nice: 7, priority: 0 });
    const idle = await runProbe(rt, (c) => (c.process.scheduler = { policy: 'SCHED_IDLE' }));
    expect(idle.json.scheduler).toMatchObject({ policy: SCHED.IDLE });
    const plain = await runProbe(rt);
    expect(plain.json.scheduler).toMatchObject({ policy: SCHED.OTHER, nice: 0, priority: 0 });
  });

  it('config.md#scheduler: SCHED_DEADLINE MUST get runtime, deadline and period', async () => {
    const { json, result } = await runProbe(rt, (c) => (c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1_000_000, deadline: 5_000_000, period: 10_000_000 }));
    expect(result.code, result.stderr).toBe(0);
    expect(json.scheduler).toMatchObject({ policy: SCHED.DEADLINE, runtime: 1_000_000, deadline: 5_000_000, period: 10_000_000 });
  });

  it('config.md#scheduler: SCHED_FIFO with its priority and flags MUST be applied (the cgroup given realtime runtime), though the process has no CAP_SYS_NICE', async () => {
    const { json, result } = await runProbe(rt, (c) => {
      c.process.scheduler = { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
      c.linux.resources = { ...c.linux.resources, cpu: { realtimeRuntime: 10_000, realtimePeriod: 1_000_000 } };
    });
    expect(result.code, result.stderr).toBe(0);
    expect(json.scheduler).toMatchObject({ policy: SCHED.FIFO, priority: 10, flags: 1 });
  });

  it('config.md#scheduler: what the kernel refuses MUST generate an error naming the field (SCHED_ISO; SCHED_FIFO in a cgroup without realtime runtime)', async () => {
    await expectRefused(
      (c) => (c.process.scheduler = { policy: 'SCHED_ISO' }),
      'sched_setattr /process/scheduler (policy SCHED_ISO, flags 0x0, nice 0, priority 0, runtime 0, deadline 0, period 0): invalid argument',
    );
    await expectRefused(
      (c) => (c.process.scheduler = { policy: 'SCHED_RR', priority: 5 }),
      'sched_setattr /process/scheduler (policy SCHED_RR, flags 0x0, nice 0, priority 5, runtime 0, deadline 0, period 0) (a realtime policy needs CAP_SYS_NICE and realtime runtime in the cgroup: linux.resources.cpu.realtimeRuntime): operation not permitted',
    );
  });

  it('config.md#scheduler: invalid values MUST generate an error with the JSON pointer (priority range, runtime <= deadline <= period)', async () => {
    await expectRefused((c) => (c.process.scheduler = { policy: 'SCHED_FIFO', priority: 0 }), 'config.json /process/scheduler/priority: must be from 1 to 99 for SCHED_FIFO');
    await expectRefused((c) => (c.process.scheduler = { policy: 'SCHED_OTHER', priority: 3 }), 'config.json /process/scheduler/priority: only SCHED_FIFO and SCHED_RR have a priority (SCHED_OTHER needs 0)');
    await expectRefused(
      (c) => (c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 5000, deadline: 4000, period: 10000 }),
      'config.json /process/scheduler/deadline: SCHED_DEADLINE needs runtime <= deadline',
    );
    await expectRefused((c) => (c.process.scheduler = { policy: 'SCHED_BATCH', nice: 20 }), 'config.json /process/scheduler/nice');
  });

  it('config.md#scheduler: an exec\'d process gets the scheduler of the container\'s process, or of its process.json', async () => {
    const b = await startSleeper(rt, (c) => (c.process.scheduler = { policy: 'SCHED_BATCH', nice: 3 }));
    const e = await rt.ok(['exec', b.id, '/probe']);
    expect(JSON.parse(e.stdout).scheduler).toMatchObject({ policy: SCHED.BATCH, nice: 3 });
    const processJson = join(b.dir, 'process.json');
    writeFileSync(processJson, JSON.stringify({ cwd: '/', args: ['/probe'], scheduler: { policy: 'SCHED_IDLE' } }));
    const p = await rt.ok(['exec', '--process', processJson, b.id]);
    expect(JSON.parse(p.stdout).scheduler).toMatchObject({ policy: SCHED.IDLE });
  });
});

describe.skipIf(!!why)('config.md#process execCPUAffinity', () => {
  it('config.md#process execCPUAffinity: an exec\'d process runs on `final`; `initial` alone stays; the init is not affected', async (ctx) => {
    if (onlineCpus() < 2) ctx.skip('needs two online CPUs');
    const b = await startSleeper(rt, (c) => (c.process.execCPUAffinity = { initial: '0', final: '1' }));
    const both = await rt.ok(['exec', b.id, '/probe']);
    expect(JSON.parse(both.stdout).cpus).toEqual([1]);
    // config.md: not applicable to the container's init
    const init = await rt.ok(['exec', b.id, '/probe', 'read', '/proc/1/status']);
    expect(JSON.parse(init.stdout).data).toMatch(/Cpus_allowed_list:\t0-1\n/);
    const processJson = join(b.dir, 'process.json');
    writeFileSync(processJson, JSON.stringify({ cwd: '/', args: ['/probe'], execCPUAffinity: { initial: '1' } }));
    const initialOnly = await rt.ok(['exec', '--process', processJson, b.id]);
    expect(JSON.parse(initialOnly.stdout).cpus).toEqual([1]);
  });

  it('config.md#process execCPUAffinity: `initial` is applied before the process joins the cgroup: a CPU that is not online fails exec naming the field', async () => {
    const b = await startSleeper(rt, (c) => (c.process.execCPUAffinity = { initial: '4000' }));
    const r = await rt.run(['exec', b.id, '/probe']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`tdrun: exec ${b.id}: sched_setaffinity /process/execCPUAffinity/initial (cpus 4000): invalid argument`);
  });

  it('config.md#process execCPUAffinity: a list that is not a cpu list MUST generate an error with the JSON pointer', async () => {
    await expectRefused((c) => (c.process.execCPUAffinity = { final: '3-1' }), 'config.json /process/execCPUAffinity/final: "3-1" is not a cpu list');
  });
});

describe.skipIf(!!why)('config-linux.md#memory-policy', () => {
  it('config-linux.md#memory-policy: every mode, with its nodes and flags, MUST be what get_mempolicy reports', async () => {
    const cases: [Config, { mode: number; nodes: number[] }][] = [
      [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }, { mode: MPOL.BIND | MPOL_F_STATIC_NODES, nodes: [0] }],
      [{ mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_RELATIVE_NODES'] }, { mode: MPOL.INTERLEAVE | MPOL_F_RELATIVE_NODES, nodes: [0] }],
      [{ mode: 'MPOL_WEIGHTED_INTERLEAVE', nodes: '0' }, { mode: MPOL.WEIGHTED_INTERLEAVE, nodes: [0] }],
      [{ mode: 'MPOL_PREFERRED', nodes: '0' }, { mode: MPOL.PREFERRED, nodes: [0] }],
      [{ mode: 'MPOL_PREFERRED_MANY', nodes: '0' }, { mode: MPOL.PREFERRED_MANY, nodes: [0] }],
      [{ mode: 'MPOL_LOCAL' }, { mode: MPOL.LOCAL, nodes: [] }],
      [{ mode: 'MPOL_DEFAULT' }, { mode: MPOL.DEFAULT, nodes: [] }],
    ];
    for (const [policy, seen] of cases) {
      const { json, result } = await runProbe(rt, (c) => (c.linux.memoryPolicy = policy));
      expect(result.code, `${policy.mode}: ${result.stderr}`).toBe(0);
      expect(json.memoryPolicy, policy.mode).toEqual(seen);
    }
  });

  it('config-linux.md#memory-policy: a policy the kernel refuses (a node that does not exist) MUST generate an error naming the field; bad syntax names the pointer', async () => {
    await expectRefused((c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '7' }), 'set_mempolicy /linux/memoryPolicy (mode 0x2, nodes 7): invalid argument');
    await expectRefused((c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND' }), 'config.json /linux/memoryPolicy/nodes: MPOL_BIND needs nodes');
  });
});

const lsm = hostLsm();

describe.skipIf(!!why)('LSM labels (config.md#process apparmorProfile, selinuxLabel; config-linux.md mountLabel)', () => {
  it('with no LSM enabled, a label is refused at create with the reason, as runc 1.1 fails it (runc measured on this host kind), and exec\'s flags too', async (ctx) => {
    if (lsm.apparmor || lsm.selinux) ctx.skip('an LSM is enabled on this host: the labels are applied (tests below)');
    await expectRefused((c) => (c.process.apparmorProfile = 'docker-default'), 'config.json /process/apparmorProfile: AppArmor is not enabled on this host');
    await expectRefused((c) => (c.process.selinuxLabel = 'system_u:system_r:container_t:s0'), 'config.json /process/selinuxLabel: SELinux is not enabled on this host');
    await expectRefused((c) => (c.linux.mountLabel = 'system_u:object_r:container_file_t:s0'), 'config.json /linux/mountLabel: SELinux is not enabled on this host');
    const b = await startSleeper(rt);
    const aa = await rt.run(['exec', '--apparmor', 'docker-default', b.id, '/probe']);
    expect(aa.stderr).toContain(`tdrun: exec ${b.id}: process /apparmorProfile: AppArmor is not enabled on this host`);
    const se = await rt.run(['exec', '--process-label', 'system_u:system_r:container_t:s0', b.id, '/probe']);
    expect(se.stderr).toContain(`tdrun: exec ${b.id}: process /selinuxLabel: SELinux is not enabled on this host`);
    // the empty spellings are "unset" and run; the process has no label
    const { json, result } = await runProbe(rt, (c) => {
      c.process.apparmorProfile = '';
      c.process.selinuxLabel = '';
      c.linux.mountLabel = '';
    });
    expect(result.code, result.stderr).toBe(0);
    expect(json.lsmLabel).toBeNull();
  });

  it('AppArmor enabled: process.apparmorProfile and exec --apparmor MUST be the label the process runs with', async (ctx) => {
    if (!lsm.apparmor) ctx.skip('AppArmor is not enabled on this host (no /sys/kernel/security/apparmor or module parameter "enabled" not Y)');
    const { json, result } = await runProbe(rt, (c) => (c.process.apparmorProfile = 'unconfined'));
    expect(result.code, result.stderr).toBe(0);
    expect(json.lsmLabel).toBe('unconfined');
    const b = await startSleeper(rt);
    const e = await rt.ok(['exec', '--apparmor', 'unconfined', b.id, '/probe']);
    expect(JSON.parse(e.stdout).lsmLabel).toBe('unconfined');
    await expectRefused((c) => (c.process.apparmorProfile = 'tdrun-no-such-profile'), '/process/apparmorProfile: AppArmor profile "tdrun-no-such-profile" is not loaded');
  });

  it('SELinux enabled: process.selinuxLabel MUST be the label the process runs with, linux.mountLabel the context of its tmpfs mounts', async (ctx) => {
    if (!lsm.selinux) ctx.skip('SELinux is not enabled on this host (no /sys/fs/selinux/enforce)');
    const label = 'system_u:system_r:container_t:s0';
    const { json, result } = await runProbe(rt, (c) => {
      c.process.selinuxLabel = label;
      c.linux.mountLabel = 'system_u:object_r:container_file_t:s0';
    });
    expect(result.code, result.stderr).toBe(0);
    expect(json.lsmLabel).toBe(label);
    expect(JSON.stringify(json.mounts)).toContain('context=');
    expect(existsSync('/sys/fs/selinux/enforce')).toBe(true);
  });
});

describe.skipIf(!!why)('features.md', () => {
  it('features-linux.md: memoryPolicy lists every mode and flag; AppArmor and SELinux support is built in', async () => {
    const f = JSON.parse((await rt.ok(['features'])).stdout);
    expect([...f.linux.memoryPolicy.modes].sort()).toEqual(Object.keys(MPOL).map((m) => `MPOL_${m}`).sort());
    expect(f.linux.memoryPolicy.flags).toEqual(expect.arrayContaining(['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_NUMA_BALANCING']));
    expect(f.linux.apparmor).toEqual({ enabled: true });
    expect(f.linux.selinux).toEqual({ enabled: true });
  });
});
