// A default config on a pure cgroup v2 host (every current distro), in a QEMU guest booted by
// spec-tests/v2-guest/boot.sh: `tdrun spec`'s config has runc's deny-all device rule, which cgroup
// v2 can only enforce with a device program (addon/node/device_filter.cc). The guest runs
// spec-tests/v2-guest/default-config.sh and these tests judge what it saw. Its own vitest project
// (spec-tests/vitest.config.ts) runs after the others: emulation takes both cores for minutes.
// When the guest cannot be had here (no package registry for QEMU or the kernel), every test
// skips and says why; it never passes without having run.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { templateRootfs, tdrunBin } from './lib/runtime.ts';

const repo = resolve(import.meta.dirname, '..');
const GUEST_TIMEOUT_S = 420;

interface GuestRun {
  /** the script's observations, name -> value */
  results: Record<string, string>;
  /** why the guest could not be had here */
  skipReason?: string;
}

/** Boots the guest for one script of spec-tests/v2-guest/ and reads what it observed. */
function bootGuest(script: string, into: GuestRun): void {
  if (process.getuid?.() !== 0) return void (into.skipReason = 'the guest needs root (QEMU, apt-get, virtiofsd)');
  if (!existsSync(templateRootfs) || !existsSync(tdrunBin)) return void (into.skipReason = 'no build or template rootfs');
  const resultsDir = resolve(repo, 'spec-tests/.work/v2-guest', `results-${script.replace(/\.sh$/, '')}`);
  rmSync(resultsDir, { recursive: true, force: true });
  const started = Date.now();
  const boot = spawnSync('bash', [resolve(repo, 'spec-tests/v2-guest/boot.sh'), `spec-tests/v2-guest/${script}`, resultsDir, String(GUEST_TIMEOUT_S)], {
    encoding: 'utf8',
    // boot.sh has its own limit; this one only guards against a hung apt-get or virtiofsd
    timeout: (GUEST_TIMEOUT_S + 120) * 1000,
  });
  const output = `${boot.stdout ?? ''}${boot.stderr ?? ''}`;
  const skip = output.match(/^SKIP: (.*)$/m);
  if (boot.status === 3 && skip) {
    into.skipReason = skip[1];
    console.warn(`cgroup v2 guest skipped: ${into.skipReason}`);
    return;
  }
  console.log(`cgroup v2 guest (${script}): ${((Date.now() - started) / 1000).toFixed(1)} s, status ${boot.status}`);
  expect(boot.status, `the guest failed:\n${output}`).toBe(0);
  for (const line of readFileSync(resolve(resultsDir, 'results.txt'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) into.results[line.slice(0, eq)] = line.slice(eq + 1);
  }
}

/** Each observation against a value or a pattern; the message carries everything the guest saw. */
function observe(run: GuestRun, ctx: { skip: (note?: string) => void }, expected: Record<string, string | RegExp>): void {
  if (run.skipReason) ctx.skip(run.skipReason);
  for (const [name, want] of Object.entries(expected)) {
    const message = `${name}; the guest saw ${JSON.stringify(run.results, null, 1)}`;
    if (typeof want === 'string') expect(run.results[name], message).toBe(want);
    else expect(run.results[name], message).toMatch(want);
  }
}

describe('a default config on a pure cgroup v2 kernel (QEMU guest)', () => {
  const guest: GuestRun = { results: {} };
  beforeAll(() => bootGuest('default-config.sh', guest), (GUEST_TIMEOUT_S + 150) * 1000);
  const expectObserved = (ctx: { skip: (note?: string) => void }, expected: Record<string, string | RegExp>) => observe(guest, ctx, expected);
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

describe('rootless tdrun in a delegated cgroup v2 subtree (QEMU guest)', () => {
  const guest: GuestRun = { results: {} };
  beforeAll(() => bootGuest('rootless.sh', guest), (GUEST_TIMEOUT_S + 150) * 1000);
  const expectObserved = (ctx: { skip: (note?: string) => void }, expected: Record<string, string | RegExp>) => observe(guest, ctx, expected);

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
