import { countFindings, type AuditedKey, type AuditReport } from '../core/audit.js';
import { isoDate, plural } from '../core/humanize.js';
import type { Finding, FindingKind, Severity } from '../core/plan-types.js';
import { findingLocation, keyCells } from './audit-cells.js';
import { codeSpan, mdText } from './markdown-escape.js';
import { fitBlocks } from './markdown-fit.js';

/** What to do about each kind of finding. */
const FIX: Record<FindingKind, string> = {
  stale: 'remove it from the configuration (apply revokes it), or use it again',
  'never-used': 'remove it, or deliver it to the system meant to use it',
  expired: 'run `keyplan apply` to rotate it, or remove it',
  expiring: 'run `keyplan apply` to rotate it, or set `rotation.before_expiry`',
  'no-expiry': 'add `expires:` (`keyplan audit --propose` adds it)',
  'rotation-due': 'run `keyplan apply` to rotate it',
  unmanaged: 'adopt it with `keyplan import`, or revoke it',
  'managed-elsewhere': 'leave it to the configuration that owns it, or adopt it with `take_over:` (`keyplan import --take-over`)',
  'privileged-stale': 'revoke it, or narrow its roles',
};

const SECTION: Record<Severity, string> = { error: '🔴 Errors', warning: '🟡 Warnings' };

export interface AuditIssueOptions {
  config: string;
  limit?: number;
  fullReportAt?: string;
}

/** The living audit issue's body: findings by severity, each with the key, owner, last use, where it is declared, and the fix. */
export function renderAuditIssueMarkdown(report: AuditReport, options: AuditIssueOptions): string {
  const counts = countFindings(report);
  const heading = [`## keyplan audit for ${codeSpan(options.config)}`, '', `As of ${isoDate(report.asOf)}: ${plural(counts.errors, 'error')} and ${plural(counts.warnings, 'warning')} among ${plural(counts.keys, 'live key')}. This issue is kept up to date by the scheduled audit and closed when the audit is clean.`].join('\n');
  const lists = (['error', 'warning'] as const).map((severity) => ({
    title: (n: number) => `### ${SECTION[severity]} (${n})\n\n| key | finding | owner | last used | declared at | fix |\n| --- | --- | --- | --- | --- | --- |`,
    items: rows(report, severity),
    noun: severity === 'error' ? 'error' : 'warning',
    tight: true,
  }));
  return fitBlocks({ limit: options.limit, fullPlanAt: options.fullReportAt, heading, lists, detail: [], folded: [], foldedNoun: 'finding' }).text;
}

function rows(report: AuditReport, severity: Severity): string[] {
  return report.keys.flatMap((key) => key.findings.filter((f) => f.severity === severity).map((f) => row(report, key, f)));
}

function row(report: AuditReport, key: AuditedKey, finding: Finding): string {
  const cells = keyCells(key, report.asOf);
  const at = key.desired ? codeSpan(`${findingLocation(key, report.rootFile).file}:${findingLocation(key, report.rootFile).line}`, { inTable: true }) : 'not declared';
  const name = report.providers.length > 1 ? `${key.provider}/${cells.name}` : cells.name;
  return `| ${codeSpan(name, { inTable: true })} | **${finding.kind}**: ${mdText(finding.message)} | ${mdText(cells.owner)} | ${mdText(cells.lastUsed)} | ${at} | ${FIX[finding.kind]} |`;
}
