// `events`: what a running container's cgroups show, as runc prints it: one JSON object a line,
// {"type":"stats","id":ID,"data":{...}} every interval (or once with --stats), and
// {"type":"oom","id":ID} each time the kernel's OOM killer acts in the container.
import { TdrunError } from '../errors.ts';
import { cgroupManager } from '../cgroups/index.ts';
import { eventJson } from '../cgroups/stats.ts';
import { readRecord } from '../state/store.ts';
import { currentStatus } from '../state/lifecycle.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as runc's --interval takes it ("5s", "500ms", "1m30s"), in milliseconds. */
export function parseGoDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new TdrunError(`--interval ${JSON.stringify(text)}`, 'not a duration (such as 5s, 500ms, 1m30s)');
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * GO_UNITS[p[2]], 0);
  if (ms <= 0) throw new TdrunError(`--interval ${JSON.stringify(text)}`, 'must be positive');
  return ms;
}

/** How often the OOM counters are read between two stats (the kernel counts; a poll reads). */
const OOM_POLL_MS = 100;

/** Prints the events of `id` through `emit` until the container stops (or once with `once`). */
export async function watchEvents(root: string, id: string, opts: { once: boolean; intervalMs: number }, emit: (line: string) => void): Promise<void> {
  const record = readRecord(root, id);
  if (currentStatus(record) === 'stopped') throw new TdrunError('container is not running');
  const cgroups = cgroupManager(record.cgroup);
  if (opts.once) {
    emit(eventJson('stats', id, cgroups.stats()));
    return;
  }
  let ooms = cgroups.eventCounters().oomKills ?? 0;
  // as runc: the first statistics come after one interval, not at once
  let nextStats = Date.now() + opts.intervalMs;
  for (;;) {
    // the counters first: an OOM kill that ends the container is still reported
    const now = cgroups.eventCounters().oomKills;
    if (now !== null && now > ooms) {
      for (let i = ooms; i < now; i++) emit(eventJson('oom', id));
      ooms = now;
    }
    if (currentStatus(record) === 'stopped') return;
    if (Date.now() >= nextStats) {
      emit(eventJson('stats', id, cgroups.stats()));
      nextStats += opts.intervalMs;
    }
    await sleep(Math.min(OOM_POLL_MS, Math.max(0, nextStats - Date.now())));
  }
}
