// A default config on a pure cgroup v2 host (every current distro), in a QEMU guest booted by
// spec-tests/v2-guest/boot.sh: `tdrun spec`'s config has runc's deny-all device rule, which cgroup
// v2 can only enforce with a device program (addon/node/device_filter.cc). The guest runs
// spec-tests/v2-guest/default-config.sh and these tests judge what it saw. Its own vitest project
// (spec-tests/vitest.config.ts) runs after the others: emulation takes both cores for minutes.
// When the guest cannot be had here (no package registry for QEMU or the kernel), every test
// skips and says why; it never passes without having run.
import { describe, it, beforeAll } from 'vitest';
import { bootGuest, expectObserved as observed, type GuestRun } from './lib/v2-guest.ts';

const GUEST_TIMEOUT_S = 420;
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
});
