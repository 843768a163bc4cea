import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// the suites that boot the QEMU guest (spec-tests/lib/v2-guest.ts)
const GUEST = ['spec-tests/cgroup-v2-guest.test.ts', 'spec-tests/systemd-v2-guest.test.ts'];

export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '..'),
    exclude: ['**/node_modules/**', 'spec-tests/.work/**'],
    globalSetup: ['spec-tests/lib/global-setup.ts'],
    // Real containers on a 2-core machine: two files at a time, generous per-test time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'tdrun', include: ['spec-tests/**/*.test.ts', 'src/**/*.test.ts'], exclude: GUEST, sequence: { groupOrder: 0 } } },
      // the QEMU guest emulates a machine on both cores for minutes: alone, one guest at a time, after
      // everything else
      { extends: true, test: { name: 'cgroup-v2-guest', include: GUEST, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
