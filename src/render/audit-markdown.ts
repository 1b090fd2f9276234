import { countFindings, worstSeverity, type AuditReport } from '../core/audit.js';
import { isoTime, plural } from '../core/humanize.js';
import { findingLocation, keyCells, truncate } from './audit-cells.js';
import { escape } from './plan-markdown.js';

const ICON = { error: '🔴', warning: '🟡', none: '🟢' } as const;

/** Markdown for an issue or pull request: a summary, the keys with findings as a table, then each finding. */
export function renderAuditMarkdown(report: AuditReport): string {
  const counts = countFindings(report);
  const out = ['## keyplan audit', '', `As of ${isoTime(report.asOf)}: ${plural(counts.keys, 'live key')}, ${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}.`, ''];
  if (report.keys.length === 0) return `${out.join('\n').trimEnd()}\n`;

  const withProvider = report.providers.length > 1;
  out.push(
    `|  | ${withProvider ? 'provider | ' : ''}key | roles | last used | age | expires | owner | findings |`,
    `| --- | ${withProvider ? '--- | ' : ''}--- | --- | --- | --- | --- | --- | --- |`,
  );
  for (const key of report.keys) {
    const cells = keyCells(key, report.asOf);
    const icon = ICON[worstSeverity(key.findings) ?? 'none'];
    const described = cells.description ? `<br>${escape(truncate(cells.description, 60))}` : '';
    const findings = key.findings.map((f) => f.kind).join(', ') || 'ok';
    out.push(
      `| ${icon} | ${withProvider ? `${escape(key.provider)} | ` : ''}**${escape(cells.name)}**${described} | ${escape(cells.roles)} | ${cells.lastUsed} | ${cells.age} | ${escape(cells.expires)} | ${escape(cells.owner)} | ${findings} |`,
    );
  }
  const flagged = report.keys.filter((key) => key.findings.length > 0);
  if (flagged.length > 0) {
    out.push('', '### Findings', '');
    for (const key of flagged) {
      const at = findingLocation(key, report.rootFile);
      const where = key.desired ? ` (\`${escape(at.file)}:${at.line}\`)` : ' (not declared)';
      for (const f of key.findings) out.push(`- ${ICON[f.severity]} **${f.kind}** \`${escape(key.remote.name)}\`${where}: ${escape(f.message)}`);
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
