// The systemd cgroup driver (`--systemd-cgroup`) against a real systemd, in the pure cgroup v2
// QEMU guest: this machine's PID 1 is not systemd. spec-tests/v2-guest/systemd-driver.sh starts
// /lib/systemd/systemd as PID 1 of a pid namespace there, drives tdrun against it and writes what
// it saw; these tests judge it. Runs in the guest project (spec-tests/vitest.config.ts), after the
// others. runc's behaviour is the reference: libcontainer/cgroups/systemd.
import { describe, it, beforeAll } from 'vitest';
import { bootGuest, expectObserved as observed, type GuestRun } from './lib/v2-guest.ts';

// measured: 70 s to 4.5 min on this 2-core machine kind (idle, or running two other guests), most of it
// Node starting under emulation (each tdrun and systemctl call); systemd itself starts in 7-17 s
const GUEST_TIMEOUT_S = 480;
let run: GuestRun = { results: {} };

describe('the systemd cgroup driver against systemd as PID 1 (QEMU guest, cgroup v2)', () => {
  beforeAll(() => {
    run = bootGuest('spec-tests/v2-guest/systemd-driver.sh', 'systemd-v2-guest', GUEST_TIMEOUT_S);
  }, (GUEST_TIMEOUT_S + 150) * 1000);

  const expectObserved = (ctx: { skip: (note?: string) => void }, expected: Record<string, string | RegExp>) => observed(run, ctx, expected);

  it('systemd runs in the guest and listens on its private socket', (ctx) => {
    expectObserved(ctx, { systemd_socket: 'yes', systemd_state: /^(running|degraded)$/ });
  });

  it('config-linux.md#cgroups-path: "slice:prefix:name" is the scope prefix-name.scope in the nested slice, holding the init', (ctx) => {
    expectObserved(ctx, {
      run_status: '0',
      run_output: '',
      inside_cgroup: '0::/tdrun.slice/tdrun-test.slice/tdrun-sd1.scope',
      scope_dir: 'yes',
      init_in_scope: 'yes',
    });
  });

  it('the scope is a transient unit with runc\'s properties: its slice, Delegate=yes, a description', (ctx) => {
    expectObserved(ctx, { unit_ActiveState: 'active', unit_Slice: 'tdrun-test.slice', unit_Delegate: 'yes', unit_Description: 'tdrun container sd1' });
  });

  it('org.systemd.property.* annotations are unit properties too ("...Sec" as seconds)', (ctx) => {
    expectObserved(ctx, { unit_CollectMode: 'inactive-or-failed', unit_TimeoutStopUSec: '7s' });
  });

  it('config-linux.md#memory, #cpu, #pids: the limits are unit properties and in the cgroup files', (ctx) => {
    expectObserved(ctx, {
      unit_MemoryMax: '67108864',
      unit_TasksMax: '32',
      unit_CPUQuotaPerSecUSec: '250ms',
      memory_max: '67108864',
      pids_max: '32',
      cpu_max: '25000 100000',
    });
  });

  it('config-linux.md#allowed-device-list: the rules are the unit\'s DevicePolicy/DeviceAllow too, and hold inside', (ctx) => {
    expectObserved(ctx, {
      unit_DevicePolicy: 'strict',
      // systemd lists them newest first
      unit_DeviceAllow: /^(?=(.*,)?\/dev\/char\/1:3 rwm,)(?=(.*,)?char-pts rwm,)(?=(.*,)?char-\* m,)/,
      devnull_write: 'ok',
      open_1_11: /Operation not permitted/,
    });
  });

  it('update changes the unit properties (SetUnitProperties) and the files', (ctx) => {
    expectObserved(ctx, {
      update_status: '0',
      update_output: '',
      memory_max_after_update: '33554432',
      unit_after_update: 'MemoryMax=33554432 TasksMax=16 ',
    });
  });

  it('runtime.md#delete: delete stops the unit and its cgroup is gone', (ctx) => {
    expectObserved(ctx, { delete_status: '0', delete_output: '', scope_dir_after_delete: 'gone', unit_after_delete: 'not-found' });
  });

  it('no cgroupsPath: system.slice and runc-<id>.scope, as runc', (ctx) => {
    expectObserved(ctx, { default_status: '0', default_output: '', default_cgroup: '0::/system.slice/runc-sd2.scope', default_unit_after_run: 'not-found' });
  });

  it('a run that fails after the scope started leaves no unit, cgroup or state behind', (ctx) => {
    expectObserved(ctx, {
      failing_status: '1',
      failing_output: /no-such-program/,
      failing_unit: 'not-found',
      failing_scope_dir: 'gone',
      failing_state: '',
    });
  });

  it('with systemd gone, --systemd-cgroup says it cannot reach it', (ctx) => {
    expectObserved(ctx, { no_systemd_status: '1', no_systemd_output: /^tdrun: run sd3: --systemd-cgroup: cannot reach systemd over D-Bus: \/run\/systemd\/private: missing/ });
  });
});
