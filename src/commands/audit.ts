// `tdrun audit [-b BUNDLE] [--format text|json] [--fail-on high|medium|low|none]` judges a bundle
// before it runs; `tdrun audit ID` judges a running container by what its processes really hold.
// Exit status: 0, or 2 when a finding is at or above --fail-on (default high), so a CI step fails
// on what matters and a report still prints; 1 (as every command) when the audit itself failed.
import { TdrunError } from '../errors.ts';
import { stdio } from '../stdio.ts';
import { auditBundle, fails, formatText } from '../audit/report.ts';
import { auditContainer } from '../audit/live.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

const FINDINGS_EXIT = 2;

export function command(args: Args<'audit'>, globals: Globals): number {
  if (args.id !== undefined && args.bundle !== undefined) throw new TdrunError('audit', 'give a container id or --bundle, not both');
  const report = args.id !== undefined ? auditContainer(globals.root, args.id) : auditBundle(args.bundle ?? '.');
  stdio.out(args.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatText(report));
  return fails(report, args.failOn) ? FINDINGS_EXIT : 0;
}
