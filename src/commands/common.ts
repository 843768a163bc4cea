import { TdrunError } from '../errors.ts';

// What every command handler receives from the CLI parser (src/cli.ts), whichever parser ran.
export interface GlobalArgs {
  root: string;
  /** --rootless auto|true|false resolved against our euid */
  rootless: boolean;
  /** --systemd-cgroup: create and run put the container in a systemd scope */
  systemdCgroup: boolean;
}

export function parseNonNegative(name: string, raw: unknown): number {
  const n = typeof raw === 'number' ? raw : Number(raw ?? 0);
  if (!Number.isInteger(n) || n < 0) throw new TdrunError(`--${name}`, `must be a non-negative integer, not ${String(raw)}`);
  return n;
}
