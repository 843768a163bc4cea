// A default config on a pure cgroup v2 host (every current distro), in a QEMU guest booted by
// spec-tests/v2-guest/boot.sh: `tdrun spec`'s config has runc's deny-all device rule, which cgroup
// v2 can only enforce with a device program (addon/node/device_filter.cc). The guest runs
// spec-tests/v2-guest/default-config.sh and these tests judge what it saw. Its own vitest project
// (spec-tests/vitest.config.ts) runs after the others: emulation takes both cores for minutes.
// When the guest cannot be had here (no package registry for QEMU or the kernel), every test
// skips and says why; it never passes without having run.
import { describe, it, beforeAll } from 'vitest';
import { bootGuest, expectObserved as observed, type GuestRun } from './lib/v2-guest.ts';

const GUEST_TIMEOUT_S = 600;
let run: GuestRun = { results: {} };

describe('a default config on a pure cgroup v2 kernel (QEMU guest)', () => {
  beforeAll(() => {
    run = bootGuest('spec-tests/v2-guest/default-config.sh', 'v2-guest', GUEST_TIMEOUT_S);
  }, (GUEST_TIMEOUT_S + 150) * 1000);

  const expectObserved = (ctx: { skip: (note?: string) => void }, expected: Record<string, string | RegExp>) => observed(run, ctx, expected);
  const NONZERO = /^[1-9][0-9]*$/;

  it('the guest is pure cgroup v2', (ctx) => {
    expectObserved(ctx, { v1_hierarchies: '0', controllers: /\bmemory\b.*\bpids\b/ });
  });

  it("`tdrun spec` writes runc's deny-all device rule", (ctx) => {
    expectObserved(ctx, { spec_status: '0', spec_device_rules: '"devices":[{"allow":false,"access":"rwm"}]' });
  });

  it('`tdrun run` of that config succeeds, with memory.max and pids.max applied', (ctx) => {
    expectObserved(ctx, {
      run_status: '0',
      run_output: '',
      cgroup_exists: 'yes',
      memory_max: '67108864',
      pids_max: '32',
      cgroup_procs: NONZERO,
    });
  });

  it('the default devices work; a device outside the allow list can be made but not opened', (ctx) => {
    expectObserved(ctx, { devnull_write: 'ok', open_urandom: 'ok', mknod_1_11: 'ok', open_1_11: /Operation not permitted/ });
  });

  it('`update` replaces the device program: the same node opens once devices are allowed', (ctx) => {
    expectObserved(ctx, { update_status: '0', open_1_11_after_update: 'ok' });
  });

  it('a create that fails in a cgroup that existed before leaves no device program there', (ctx) => {
    expectObserved(ctx, {
      failing_create_status: NONZERO,
      failing_create_output: /no-such-program/,
      shared_cgroup_after_failure: 'kept',
      shared_open_after_failure: 'ok',
    });
  });

  it('run from a cgroup that holds processes (default cgroupsPath) enables no controller there', (ctx) => {
    expectObserved(ctx, { busy_run_status: '0', busy_subtree_control: '' });
  });

  it('`tdrun delete` leaves no cgroup', (ctx) => {
    expectObserved(ctx, { cgroup_after_run: 'kept', delete_status: '0', cgroup_after_delete: 'gone' });
  });

  it('config-linux.md resources on v2: each field in its v2 file, with the documented conversions', (ctx) => {
    const MiB = 1 << 20;
    expectObserved(ctx, {
      res_run_status: /^0 $/,
      'file_memory.max': String(64 * MiB),
      'file_memory.low': String(32 * MiB),
      // the spec's swap is memory + swap; v2's memory.swap.max is swap alone
      'file_memory.swap.max': String(32 * MiB),
      'file_memory.high': String(48 * MiB),
      // shares 1024 -> weight 1 + (1024 - 2) * 9999 / 262142, in integers as runc
      'file_cpu.weight': '39',
      'file_cpu.max': '20000 100000',
      'file_cpu.max.burst': '1000',
      'file_cpu.idle': '0',
      'file_cpuset.cpus': '0',
      'file_pids.max': '20',
      'file_hugetlb.2MB.max': String(4 * MiB),
      'file_hugetlb.2MB.rsvd.max': String(4 * MiB),
      // blkio weight 500 -> io.weight 1 + (500 - 10) * 9999 / 990 with io.cost, as it is with BFQ
      io_weight: /^(iocost default 4950|bfq default 500)$/,
    });
    if (run.results.block_device !== 'none') expectObserved(ctx, { 'file_io.max': new RegExp(`^${run.results.block_device} rbps=${MiB} wbps=max riops=max wiops=max$`) });
  });

  it("update's runc flags on v2 (swap converted against the new memory limit)", (ctx) => {
    const MiB = 1 << 20;
    expectObserved(ctx, {
      flags_update_status: /^0 $/,
      'updated_memory.max': String(80 * MiB),
      'updated_memory.swap.max': String(40 * MiB),
      'updated_cpu.max': '30000 100000',
      'updated_cpu.weight': '79',
      'updated_pids.max': '25',
    });
  });

  it('pause freezes through cgroup.freeze (state paused), resume thaws', (ctx) => {
    expectObserved(ctx, { pause_status: /^0 $/, paused_frozen: 'frozen 1', paused_state: '"status":"paused"', resumed_frozen: 'frozen 0' });
  });

  it('events --stats numbers are the v2 files; an OOM kill is reported (inotify on memory.events); events ends with the container', (ctx) => {
    expectObserved(ctx, {
      stats_pids: `"pids":{"current":${run.results.file_pids_current},"limit":25}`,
      stats_memory_limit: String(80 * (1 << 20)),
      stats_hugetlb: /^"hugetlb":\{"1GB":\{"failcnt":0\},"2MB":\{"failcnt":0\}\},"intel_rdt"$/,
      oom_exec_status: '137',
      memory_events_oom_kill: /^oom_kill [1-9]/,
      events_output: /^\{"type":"oom","id":"v2r"\}\|/,
      events_ended: 'yes',
    });
  });

  it('network classID on v2 (no net_cls) is refused with the reason, leaving no cgroup', (ctx) => {
    expectObserved(ctx, {
      refused_classid: /^1 tdrun: create v2classid: \/linux\/resources\/network\/classID: cgroup v2 has no net_cls\/net_prio controllers/,
      refused_classid_cgroup: 'gone',
    });
  });
});

describe('rootless tdrun in a delegated cgroup v2 subtree (QEMU guest)', () => {
  let guest: GuestRun = { results: {} };
  beforeAll(() => {
    guest = bootGuest('spec-tests/v2-guest/rootless.sh', 'v2-guest-rootless', GUEST_TIMEOUT_S);
  }, (GUEST_TIMEOUT_S + 150) * 1000);
  const expectObserved = (ctx: { skip: (note?: string) => void }, expected: Record<string, string | RegExp>) => observed(guest, ctx, expected);

  it('a user runs a container with a memory limit in a cgroupsPath of its subtree, and delete removes the cgroup', (ctx) => {
    expectObserved(ctx, {
      spec_status: '0',
      run_status: '0',
      run_stderr: '',
      memory_max: '67108864',
      cgroup_owner: /^[1-9][0-9]*$/,
      // the cgroup namespace of `spec --rootless` on a v2 host: the container sees its own cgroup as /
      inside_cgroup: '0::/ ',
      state_root: 'rl1 ',
      delete_status: '0',
      cgroup_after_delete: 'gone',
    });
  });

  it("a cgroupsPath the user may not write: limits are refused, saying why, and no cgroup is made (runc's rule)", (ctx) => {
    expectObserved(ctx, {
      notmine_status: '1',
      notmine_output: /^tdrun: run rl2: \/linux\/resources\/memory: cannot be applied rootless: \/sys\/fs\/cgroup\/notmine is not writable by uid [1-9][0-9]*/,
      notmine_cgroup: 'none',
    });
  });
});
