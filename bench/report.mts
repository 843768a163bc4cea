// Turns what bench/run.sh measured (OUT/results.tsv, OUT/meta.env, hyperfine JSON exports) into
// the markdown table: absolute numbers per runtime, tdrun/runc ratios, tdrun's own time (its time
// less the Node floor of each of its calls), and the targets of issues 3 and 15.
//   node bench/report.mts OUT
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Cell = { value: number; detail: string } | { error: string } | undefined;

const out = process.argv[2];
if (!out) {
  console.error('usage: report.mts OUT_DIR');
  process.exit(2);
}

const meta = new Map<string, string>();
for (const line of readFileSync(join(out, 'meta.env'), 'utf8').split('\n')) {
  const eq = line.indexOf('=');
  if (eq > 0) meta.set(line.slice(0, eq), line.slice(eq + 1));
}

// metric -> runtime -> cell; hyperfine medians become milliseconds.
const cells = new Map<string, Map<string, Cell>>();
for (const line of readFileSync(join(out, 'results.tsv'), 'utf8').split('\n')) {
  if (!line) continue;
  const [metric, runtime, kind, value, detail = ''] = line.split('\t');
  let cell: Cell;
  if (kind === 'hf') {
    const json = JSON.parse(readFileSync(value, 'utf8')) as { results: { median: number }[] };
    cell = { value: json.results[0].median * 1000, detail };
  } else if (kind === 'num') {
    cell = { value: Number(value), detail };
  } else {
    cell = { error: value || 'failed (no message)' };
  }
  if (!cells.has(metric)) cells.set(metric, new Map());
  cells.get(metric)!.set(runtime, cell);
}
const get = (metric: string, runtime: string): Cell => cells.get(metric)?.get(runtime);
const tdrunAbsent = get('all', 'tdrun');

const runtimes = ['tdrun', 'runc', ...(meta.get('bin.crun') && !meta.get('crun_note') ? ['crun'] : [])];
const notes: string[] = [];
const note = (text: string): string => {
  const seen = notes.indexOf(text);
  if (seen < 0) notes.push(text);
  return `[${seen < 0 ? notes.length : seen + 1}]`;
};

type Unit = 'ms' | 'ms-fine' | 'us-wall' | 'kib';
const fmt = (value: number, unit: Unit): string => {
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  // a target at 1 ms needs the digit its verdict turns on
  if (unit === 'ms-fine') return `${value.toFixed(2)} ms`;
  if (unit === 'us-wall') return value >= 1e6 ? `${(value / 1e6).toFixed(2)} s` : `${(value / 1e3).toFixed(0)} ms`;
  return value >= 1024 && value % 1024 === 0 ? `${value / 1024} MiB` : `${value} KiB`;
};
const show = (cell: Cell, runtime: string, unit: Unit, withDetail: boolean): string => {
  if (runtime === 'tdrun' && tdrunAbsent && 'error' in tdrunAbsent) return 'n/a';
  if (!cell) return '—';
  if ('error' in cell) return `failed ${note(`${runtime} column: ${cell.error}`)}`;
  return withDetail && cell.detail ? `${fmt(cell.value, unit)} (${cell.detail})` : fmt(cell.value, unit);
};
const num = (cell: Cell): number | undefined => (cell && 'value' in cell ? cell.value : undefined);
const failures = (cell: Cell): number | undefined => {
  const m = cell && 'detail' in cell ? /^(\d+)\//.exec(cell.detail) : null;
  return m ? Number(m[1]) : undefined;
};
// Wall times of batches with failed runs compare different work: no ratio for them.
const ratio = (metric: string): number | undefined => {
  const tc = get(metric, 'tdrun');
  const rc = get(metric, 'runc');
  const t = num(tc);
  const r = num(rc);
  if (t === undefined || r === undefined || r <= 0) return undefined;
  return (failures(tc) ?? 0) > 0 || (failures(rc) ?? 0) > 0 ? undefined : t / r;
};

const nodeMs = num(get('node', 'ref'));

interface Row {
  label: string;
  metric: string;
  unit: Unit;
  detail?: boolean;
  /** how many tdrun calls the measure holds: its own time is its time less that many Node floors of the same round */
  calls?: number;
  target: string;
  met?: () => boolean | undefined;
}
// tdrun's own time (run.sh: its calls, the floor and runc's run in turn, round after round):
// per round, a call's wall time less the floor's (three floors in create → start → delete).
const ownRuns = new Map<string, number[]>();
const ownCell = get('own', 'tdrun');
const ownFailed = readOwnSummaryFailures();
if (ownCell && 'value' in ownCell && !ownFailed) {
  for (const line of readFileSync(join(out, 'own.tsv'), 'utf8').trim().split('\n')) {
    const [round, name, , wall] = line.split('\t');
    if (!ownRuns.has(name)) ownRuns.set(name, []);
    ownRuns.get(name)![Number(round)] = Number(wall);
  }
}
function readOwnSummaryFailures(): string {
  try {
    const failed = readFileSync(join(out, 'own-summary.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((f) => Number(f[3]) > 0);
    return failed.map((f) => `${f[0]}: ${f[3]} failed`).join(', ');
  } catch {
    return '';
  }
}
const median = (values: number[]): number => {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const ownTime = (name: string, calls: number): number | undefined => {
  const runs = ownRuns.get(name);
  const floor = ownRuns.get('floor');
  return runs && floor ? median(runs.map((w, i) => w - calls * floor[i])) : undefined;
};
const ownMedian = (name: string): number | undefined => {
  const runs = ownRuns.get(name);
  return runs ? median(runs) : undefined;
};
const atMost = (metric: string, limit: number) => () => {
  const t = num(get(metric, 'tdrun'));
  return t === undefined ? undefined : t <= limit;
};
const maxRatio = (metric: string, limit: number) => () => {
  const r = ratio(metric);
  return r === undefined ? undefined : r <= limit;
};
const rows: Row[] = [
  { label: '`run` /bin/true (median)', metric: 'run', unit: 'ms', calls: 1, target: '≤ 1.5x', met: maxRatio('run', 1.5) },
  {
    label: 'create → start → wait exit → delete (median)',
    metric: 'cycle',
    unit: 'ms',
    calls: 3,
    target: '≤ 2.0x',
    met: maxRatio('cycle', 2.0),
  },
  {
    label: '`state` of a created container (median)',
    metric: 'state',
    unit: 'ms',
    calls: 1,
    target: nodeMs === undefined ? '≤ node -e 0 + 3 ms' : `≤ node -e 0 + 3 ms (${(nodeMs + 3).toFixed(1)} ms)`,
    met: () => {
      const t = num(get('state', 'tdrun'));
      return t === undefined || nodeMs === undefined ? undefined : t <= nodeMs + 3;
    },
  },
  { label: '`--version` (median)', metric: 'version', unit: 'ms', calls: 1, target: '—' },
  {
    label: 'created container: init VmRSS',
    metric: 'rss',
    unit: 'kib',
    target: '≤ 1 MiB',
    met: () => {
      const t = num(get('rss', 'tdrun'));
      return t === undefined ? undefined : t <= 1024;
    },
  },
  {
    label: 'smallest memory limit for `run` /bin/true',
    metric: 'memmin',
    unit: 'kib',
    target: '≤ 512 KiB',
    met: () => {
      const t = num(get('memmin', 'tdrun'));
      return t === undefined ? undefined : t <= 512;
    },
  },
  { label: `${meta.get('seq')} sequential \`run\`s (wall; failures)`, metric: 'seq', unit: 'us-wall', detail: true, target: '—' },
  {
    label: `${meta.get('par')} parallel \`run\`s (wall, median of ${meta.get('par_rounds')} rounds; failures)`,
    metric: 'par',
    unit: 'us-wall',
    detail: true,
    target: '0 failures, ≤ 1.5x',
    met: () => {
      const f = failures(get('par', 'tdrun'));
      if (f !== undefined && f > 0) return false;
      const r = ratio('par');
      return r === undefined ? undefined : r <= 1.5;
    },
  },
  {
    label: '`exec` /bin/true into a running container (median)',
    metric: 'exec',
    unit: 'ms',
    calls: 1,
    target: '≤ 1.5x',
    met: maxRatio('exec', 1.5),
  },
  { label: 'attached `run`: RSS while the container runs', metric: 'rss_run', unit: 'kib', target: '≤ 1 MiB', met: atMost('rss_run', 1024) },
  { label: 'attached `exec`: RSS while its process runs', metric: 'rss_exec', unit: 'kib', target: '≤ 1 MiB', met: atMost('rss_exec', 1024) },
  {
    label: "`run` with podman's default seccomp profile, CPU more than without (median; tdrun's cache warm)",
    metric: 'seccomp',
    unit: 'ms-fine',
    target: '≤ 1 ms',
    met: atMost('seccomp', 1),
  },
];

const lines: string[] = [];
lines.push(
  `tdrun bench, ${meta.get('date')}: ${meta.get('nproc')} CPUs, kernel ${meta.get('kernel')}, ` +
    `Debian ${meta.get('debian')}, load ${meta.get('load')}; hyperfine medians of ${meta.get('runs')} runs after 3 warmups ` +
    `(\`state\`, \`--version\`, \`node -e 0\`: ${meta.get('state_runs')} runs)`,
);
lines.push('');
for (const rt of ['tdrun', 'runc', 'crun']) {
  if (meta.has(`bin.${rt}`)) lines.push(`- ${rt}: \`${meta.get(`bin.${rt}`)}\` ${meta.get(`version.${rt}`) || ''}`.trimEnd());
}
if (meta.get('crun_note')) lines.push(`- ${meta.get('crun_note')}`);
if (meta.get('config_edit')) lines.push(`- config.json edited for this run: \`${meta.get('config_edit')}\``);
if (tdrunAbsent && 'error' in tdrunAbsent) lines.push(`- tdrun: not measured: ${tdrunAbsent.error}`);
lines.push('');
const verdict = (met: (() => boolean | undefined) | undefined): string => {
  const m = met?.();
  return met === undefined ? '—' : m === undefined ? 'not met (no number)' : m ? 'met' : 'not met';
};
lines.push(`| measure | ${runtimes.join(' | ')} | tdrun/runc | tdrun's own time | target | met |`);
lines.push(`|---|${runtimes.map(() => '---:').join('|')}|---:|---:|---|---|`);
for (const row of rows) {
  const values = runtimes.map((rt) => show(get(row.metric, rt), rt, row.unit, row.detail ?? false));
  const r = ratio(row.metric);
  const own = row.calls === undefined ? undefined : ownTime(row.metric, row.calls);
  lines.push(
    `| ${row.label} | ${values.join(' | ')} | ${r === undefined ? '—' : `${r.toFixed(2)}x`} | ` +
      `${own === undefined ? '—' : fmt(own, 'ms')} | ${row.target} | ${verdict(row.met)} |`,
  );
}
// issue 15: what tdrun adds to Node's start, against all that runc takes (the same rounds)
const runOwn = ownTime('run', 1);
const runcRun = ownMedian('runc-run');
const ownShare = runOwn === undefined || runcRun === undefined ? undefined : runOwn / runcRun;
const ownColumns = runtimes.map((rt) =>
  rt === 'tdrun' && runOwn !== undefined ? fmt(runOwn, 'ms') : rt === 'runc' && runcRun !== undefined ? fmt(runcRun, 'ms') : '—',
);
lines.push(
  `| \`run\` own time (tdrun less the Node floor) against runc's whole \`run\` (medians, same rounds) | ${ownColumns.join(' | ')} | ` +
    `${ownShare === undefined ? '—' : `${ownShare.toFixed(2)}x`} | — | ≤ 0.5x | ${verdict(() => (ownShare === undefined ? undefined : ownShare <= 0.5))} |`,
);
lines.push('');
lines.push(
  `Reference: \`node -e 0\` (Node ${meta.get('node')}, node_modules/node/bin/node): ` +
    (nodeMs === undefined ? show(get('node', 'ref'), 'node', 'ms', false) : `${nodeMs.toFixed(1)} ms`) +
    `; with bin/tdrun's flag (\`--no-rehash-snapshot\`), the floor of any tdrun call: ` +
    show(get('node', 'floor'), 'node', 'ms', false) +
    ". tdrun's own time: its calls, the floor and runc's `run` taken in turn for " +
    (ownRuns.size ? `${ownRuns.get('floor')!.length} rounds` : 'some rounds') +
    ', each call less the floor of its round (three floors in create → start → delete), median' +
    (ownRuns.size ? ` (the floor there: ${fmt(ownMedian('floor')!, 'ms')})` : '') +
    '.',
);
if (ownFailed) lines.push(`- own time not reported: ${ownFailed}`);
else if (ownCell && 'error' in ownCell) lines.push(`- own time not measured: ${ownCell.error}`);
for (const rt of runtimes) {
  const mem = get('memmin', rt);
  if (mem && 'value' in mem && mem.detail) lines.push(`- ${rt}, next smaller memory limit: ${mem.detail}`);
  const par = get('par_why', rt);
  if (par && 'error' in par) lines.push(`- ${rt}, a parallel \`run\` failed with: ${par.error}`);
}
if (meta.get('swap') !== 'true') lines.push('- memory limits set without memory.swap: this kernel has no swap accounting');
if (notes.length) {
  lines.push('');
  notes.forEach((text, i) => lines.push(`[${i + 1}] ${text}`));
}
console.log(lines.join('\n'));
