// `tdrun info [--format text|json]`: the host as tdrun sees it and what it supports here.
import { stdio } from '../stdio.ts';
import type { Args } from './table.ts';
import { formatInfo, hostInfo } from '../audit/host.ts';

export function command(args: Args<'info'>): void {
  const info = hostInfo();
  stdio.out(args.format === 'json' ? JSON.stringify(info, null, 2) + '\n' : formatInfo(info));
}
