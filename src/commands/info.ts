// `tdrun info [--format text|json]`: the host as tdrun sees it and what it supports here.
import { stdio } from '../stdio.ts';
import { formatInfo, hostInfo } from '../audit/host.ts';

export function command(args: { format: 'text' | 'json' }): void {
  const info = hostInfo();
  stdio.out(args.format === 'json' ? JSON.stringify(info, null, 2) + '\n' : formatInfo(info));
}
