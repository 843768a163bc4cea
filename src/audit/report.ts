// `tdrun audit -b BUNDLE`: the config and rootfs rules over a bundle, and the report's two forms.
// The JSON form is a stable interface (README "Security audit"): fields are only ever added.
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TdrunError, errnoText } from '../errors.ts';
import { checkSchema, readJson } from '../spec/load.ts';
import type { Spec } from '../spec/types.ts';
import { CONFIG_RULES, RULES, SEVERITIES, type Hit, type Severity } from './rules.ts';
import { scanRootfs } from './rootfs.ts';

export interface Finding {
  id: string;
  severity: Severity;
  pointer?: string;
  path?: string;
  title: string;
  detail?: string;
  why: string;
  fix: string;
}

export interface ProcessSummary {
  pid: number;
  command: string;
  euid: number;
  uidMap: string;
  capEff: string[];
  seccomp: number;
  noNewPrivs: boolean;
}

export interface AuditReport {
  tdrunAudit: 1;
  bundle: string;
  /** `audit ID` only */
  container?: string;
  processes?: ProcessSummary[];
  findings: Finding[];
}

export type FailOn = Severity | 'none';

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
const RULE_BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** The findings of one rule's hits, with the rule's text. */
export function findings(id: string, hits: Hit[]): Finding[] {
  const rule = RULE_BY_ID.get(id)!;
  return hits.map((h) => ({
    id,
    severity: rule.severity,
    ...(h.pointer !== undefined && { pointer: h.pointer }),
    ...(h.path !== undefined && { path: h.path }),
    title: rule.title,
    ...(h.detail !== undefined && { detail: h.detail }),
    why: rule.why,
    fix: rule.fix,
  }));
}

export function sortFindings(list: Finding[]): Finding[] {
  return list.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.id.localeCompare(b.id));
}

export function configFindings(spec: Spec, bundle: string): Finding[] {
  return CONFIG_RULES.flatMap((rule) => findings(rule.id, rule.check(spec, bundle)));
}

export function rootfsFindings(spec: Spec, bundle: string): Finding[] {
  const rootfs = resolve(bundle, spec.root?.path ?? 'rootfs');
  let isDir: boolean;
  try {
    isDir = statSync(rootfs).isDirectory();
  } catch (err) {
    throw new TdrunError(`rootfs ${rootfs}`, errnoText((err as NodeJS.ErrnoException).code ?? String(err)));
  }
  if (!isDir) throw new TdrunError(`rootfs ${rootfs}`, 'not a directory');
  return [...scanRootfs(rootfs)].flatMap(([id, hits]) => findings(id, hits));
}

export function auditBundle(bundleDir: string): AuditReport {
  const bundle = resolve(bundleDir);
  const spec = checkSchema(readJson(join(bundle, 'config.json'), 'config.json'));
  return { tdrunAudit: 1, bundle, findings: sortFindings([...configFindings(spec, bundle), ...rootfsFindings(spec, bundle)]) };
}

/** True when a finding is at or above `failOn` (the exit status of `tdrun audit` says so). */
export function fails(report: AuditReport, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  return report.findings.some((f) => RANK[f.severity] <= RANK[failOn]);
}

export function formatText(report: AuditReport): string {
  const counts = SEVERITIES.map((s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`).join(', ');
  const subject = report.container ? `container ${report.container} (bundle ${report.bundle})` : report.bundle;
  const lines = [`tdrun audit of ${subject}: ${counts}`];
  for (const p of report.processes ?? []) {
    lines.push(
      `  process ${p.pid} ${p.command}: uid ${p.euid} (uid_map ${p.uidMap}), seccomp ${p.seccomp}, no_new_privs ${p.noNewPrivs ? 1 : 0}, ` +
        `effective caps ${p.capEff.join(',') || 'none'}`,
    );
  }
  for (const f of report.findings) {
    lines.push('');
    lines.push(`${f.severity.toUpperCase().padEnd(6)} ${f.id}  ${f.pointer ?? f.path}  ${f.title}${f.detail ? `: ${f.detail}` : ''}`);
    lines.push(`       why: ${f.why}`);
    lines.push(`       fix: ${f.fix}`);
  }
  return lines.join('\n') + '\n';
}
