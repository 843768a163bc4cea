// `ps`: the processes of a container, as host pids (json, what containerd parses) or ps(1)'s table.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TdrunError, describe } from '../errors.ts';
import { readRecord } from '../state/store.ts';
import { listedPids } from './members.ts';

/** A stopped container has none (but for what outlived its init): an empty list, as runc prints. */
export function containerProcesses(root: string, id: string): number[] {
  return listedPids(readRecord(root, id)).sort((a, b) => a - b);
}

/** A process's arguments joined by spaces ("" for a kernel thread or a zombie). */
export function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
}

/** The column of ps(1)'s header that holds the pid. */
function pidColumn(header: string): number {
  const at = header.trim().split(/\s+/).indexOf('PID');
  if (at < 0) throw new TdrunError('ps', `its output has no PID column (header: ${JSON.stringify(header.trim())}): add pid to -o`);
  return at;
}

/** runc's way: ps(1) over every process of the host, then only the header and the container's lines. */
function filterPsOutput(output: string, pids: readonly number[]): string {
  const [header, ...lines] = output.split('\n');
  const column = pidColumn(header);
  const wanted = new Set(pids);
  const kept = lines.filter((line) => line.trim() !== '' && wanted.has(Number(line.trim().split(/\s+/)[column])));
  return [header, ...kept].join('\n') + '\n';
}

/** `options`: ps(1)'s own (runc's default -ef when none). */
export function processTable(pids: readonly number[], options: readonly string[]): string {
  const args = options.length > 0 ? [...options] : ['-ef'];
  const result = spawnSync('ps', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new TdrunError(`ps ${args.join(' ')}`, code === 'ENOENT' ? 'ps(1) is not installed (Debian: apt-get install procps)' : describe(result.error));
  }
  if (result.status !== 0) throw new TdrunError(`ps ${args.join(' ')}`, `exit status ${result.status}: ${result.stderr.trim().split('\n')[0]}`);
  return filterPsOutput(result.stdout, pids);
}
