// `events`: what a running container's cgroups show, as runc prints it: one JSON object a line,
// {"type":"stats","id":ID,"data":{...}} every interval (or once with --stats), and
// {"type":"oom","id":ID} for each OOM event the kernel notifies in the container's memory cgroup.
import { TdrunError } from '../errors.ts';
import { debug } from '../log.ts';
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

/** How often the container's status is looked at, to end with it. */
const STATUS_POLL_MS = 200;

/** Prints the events of `id` through `emit` until the container stops (or once with `once`). */
export async function watchEvents(root: string, id: string, opts: { once: boolean; intervalMs: number }, emit: (line: string) => void): Promise<void> {
  const record = readRecord(root, id);
  if (currentStatus(record) === 'stopped') throw new TdrunError('container is not running');
  const cgroups = cgroupManager(record.cgroup);
  if (opts.once) {
    emit(eventJson('stats', id, cgroups.stats()));
    return;
  }
  const oom = cgroups.watchOom();
  debug(`events ${id}: OOM notification ${oom ? 'registered' : 'unavailable (no memory controller)'}`);
  let nextOom = oom?.next().then((count) => ({ count }));
  // as runc: the first statistics come after one interval, not at once
  let nextStats = Date.now() + opts.intervalMs;
  try {
    for (;;) {
      const wait = sleep(Math.min(STATUS_POLL_MS, Math.max(0, nextStats - Date.now())));
      const woke = await Promise.race([wait, ...(nextOom ? [nextOom] : [])]);
      if (woke) {
        for (let i = 0; i < woke.count; i++) emit(eventJson('oom', id));
        // 0: the cgroup is gone, so is the container
        nextOom = woke.count > 0 ? oom!.next().then((count) => ({ count })) : undefined;
      }
      if (currentStatus(record) === 'stopped') return;
      if (Date.now() >= nextStats) {
        emit(eventJson('stats', id, cgroups.stats()));
        nextStats += opts.intervalMs;
      }
    }
  } finally {
    oom?.close();
  }
}
