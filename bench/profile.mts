// Where one kind of tdrun call spends its time: runs it N times with --debug, whose lines carry
// the time since Node's time origin, ~3 ms after the exec (src/log.ts), and prints for each line
// the median of that time and of the step from the line before, then the median wall time of the
// whole call.
//   node bench/profile.mts [-n N] [--tdrun PATH] [--root DIR] -- ARGS...
// `{}` in ARGS becomes a fresh container id per call, e.g.
//   node bench/profile.mts -n 30 -- run --bundle /path/to/bundle {}
//   node bench/profile.mts -- exec running-container /bin/true
// Run as root, on a quiet machine; a failed call stops the profile with its stderr. After the
// last line come Node's exit (~1.5 ms) and the kernel's teardown of the process.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
let runs = 20;
let tdrun = resolve(repo, 'bin/tdrun');
let root = resolve(repo, 'bench/.work/root-profile');
const argv = process.argv.slice(2);
while (argv.length && argv[0] !== '--') {
  const flag = argv.shift();
  const value = argv.shift();
  if (value === undefined) usage();
  if (flag === '-n') runs = Number(value);
  else if (flag === '--tdrun') tdrun = value;
  else if (flag === '--root') root = value;
  else usage();
}
const args = argv.slice(1);
if (argv[0] !== '--' || args.length === 0 || !(runs > 0)) usage();

function usage(): never {
  process.stderr.write('usage: node bench/profile.mts [-n N] [--tdrun PATH] [--root DIR] -- ARGS... ({} = a fresh id)\n');
  process.exit(2);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

mkdirSync(root, { recursive: true });
const warmups = 3;
const times = new Map<string, number[]>();
const steps = new Map<string, number[]>();
const walls: number[] = [];
for (let i = 0; i < warmups + runs; i++) {
  const id = `prof-${process.pid}-${i}`;
  const callArgs = args.map((a) => (a === '{}' ? id : a));
  const start = process.hrtime.bigint();
  const r = spawnSync(tdrun, ['--root', root, '--debug', ...callArgs], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    process.stderr.write(`profile: ${callArgs.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}`);
    process.exit(1);
  }
  if (i < warmups) continue; // the first calls after a build write the code caches
  walls.push(wall);
  let previous = 0;
  for (const line of r.stderr.split('\n')) {
    const m = /^tdrun: debug: \[([\d.]+) ms\] (.*)$/.exec(line);
    if (!m) continue;
    // one label per step of the call: ids and numbers (pids) out
    const label = m[2].split(id).join('<id>').replace(/\b\d+\b/g, 'N');
    const at = Number(m[1]);
    (times.get(label) ?? times.set(label, []).get(label)!).push(at);
    (steps.get(label) ?? steps.set(label, []).get(label)!).push(at - previous);
    previous = at;
  }
}

console.log(`${runs} calls of: tdrun ${args.join(' ')}  (after ${warmups} warmups)`);
console.log('  since start   step   debug line');
for (const [label, at] of times) {
  console.log(`${median(at).toFixed(1).padStart(8)} ms ${median(steps.get(label)!).toFixed(1).padStart(6)}   ${label}`);
}
console.log(`${median(walls).toFixed(1).padStart(8)} ms          wall time of the whole call (median)`);
// what the wall time holds besides tdrun: this script's own way of starting and waiting for it
const baseline: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  spawnSync('/bin/true', { stdio: 'ignore' });
  baseline.push(Number(process.hrtime.bigint() - start) / 1e6);
}
console.log(`${median(baseline).toFixed(1).padStart(8)} ms          of which starting and reaping a process from here (/bin/true)`);
