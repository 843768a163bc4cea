// Boots the pure cgroup v2 QEMU guest (spec-tests/v2-guest/boot.sh) to run one script of
// spec-tests/v2-guest/ and reads back the "name=value" observations it wrote; the test files
// judge them. When the guest cannot be had here (no package registry for QEMU or the kernel),
// `skipReason` says why and every test skips with it; a test never passes without having run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { templateRootfs, tdrunBin } from './runtime.ts';

const repo = resolve(import.meta.dirname, '../..');

export interface GuestRun {
  results: Record<string, string>;
  skipReason?: string;
}

/** `script`: relative to the checkout; `name`: its results directory under spec-tests/.work/. */
export function bootGuest(script: string, name: string, timeoutS: number): GuestRun {
  if (process.getuid?.() !== 0) return { results: {}, skipReason: 'the guest needs root (QEMU, apt-get, virtiofsd)' };
  if (!existsSync(templateRootfs) || !existsSync(tdrunBin)) return { results: {}, skipReason: 'no build or template rootfs' };
  const resultsDir = resolve(repo, 'spec-tests/.work', name, 'results');
  rmSync(resultsDir, { recursive: true, force: true });
  const started = Date.now();
  const boot = spawnSync('bash', [resolve(repo, 'spec-tests/v2-guest/boot.sh'), script, resultsDir, String(timeoutS)], {
    encoding: 'utf8',
    // boot.sh has its own limit; this one only guards against a hung apt-get or virtiofsd
    timeout: (timeoutS + 120) * 1000,
  });
  const output = `${boot.stdout ?? ''}${boot.stderr ?? ''}`;
  const skip = output.match(/^SKIP: (.*)$/m);
  if (boot.status === 3 && skip) {
    console.warn(`${name}: skipped: ${skip[1]}`);
    return { results: {}, skipReason: skip[1] };
  }
  console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s, status ${boot.status}`);
  expect(boot.status, `the guest failed:\n${output}`).toBe(0);
  const results: Record<string, string> = {};
  for (const line of readFileSync(resolve(resultsDir, 'results.txt'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) results[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { results };
}

/** Each observation against a value or a pattern; the message carries everything the guest saw. */
export function expectObserved(run: GuestRun, ctx: { skip: (note?: string) => void }, expected: Record<string, string | RegExp>): void {
  if (run.skipReason) ctx.skip(run.skipReason);
  for (const [name, want] of Object.entries(expected)) {
    const message = `${name}; the guest saw ${JSON.stringify(run.results, null, 1)}`;
    if (typeof want === 'string') expect(run.results[name], message).toBe(want);
    else expect(run.results[name], message).toMatch(want);
  }
}
