import { countFindings, worstSeverity, type AuditReport, type AuditedKey } from '../core/audit.js';
import { formatDuration } from '../core/duration.js';
import { isoTime, plural } from '../core/humanize.js';
import { isManaged } from '../core/ownership.js';
import type { Finding } from '../core/plan-types.js';
import { findingLocation, keyCells, truncate } from './audit-cells.js';
import { linesInChunks } from './audit-lines.js';
import { plainPaint, type Paint, type Style } from './paint.js';

interface Cell {
  text: string;
  style?: Style;
}

const DESCRIPTION_WIDTH = 36;

/** A table a person can scan, keys with errors first, then each finding with where it is declared. */
export function renderAuditText(report: AuditReport, options: { paint?: Paint } = {}): string {
  return [...auditTextChunks(report, options)].join('');
}

/** renderAuditText in chunks of lines, to write one after another. */
export function* auditTextChunks(report: AuditReport, options: { paint?: Paint } = {}): Generator<string> {
  const paint = options.paint ?? plainPaint;
  const p = report.policy;
  yield `${paint('bold', `keyplan audit as of ${isoTime(report.asOf)}`)}\n`;
  yield `${paint('dim', `policy: stale_after ${formatDuration(p.staleAfterMs)}, unused_grace ${formatDuration(p.unusedGraceMs)}, expiry_warning ${formatDuration(p.expiryWarningMs)}`)}\n\n`;
  if (report.keys.length === 0) {
    yield 'No live keys.\n';
    return;
  }

  const withProvider = report.providers.length > 1;
  const header = [...(withProvider ? ['PROVIDER'] : []), 'KEY', 'DESCRIPTION', 'ROLES', 'LAST USED', 'AGE', 'EXPIRES', 'OWNER', 'FINDINGS'];
  const rows = report.keys.map((key) => tableRow(key, report.asOf, withProvider));
  yield* linesInChunks(table(header.map((text) => ({ text, style: 'bold' as const })), rows, paint));
  yield '\n';

  if (report.keys.some((key) => key.findings.length > 0)) {
    yield `${paint('bold', 'Findings:')}\n`;
    yield* linesInChunks(findingLines(report, paint));
    yield '\n';
  }
  yield `${summary(report, paint)}\n`;
}

function* findingLines(report: AuditReport, paint: Paint): Generator<string> {
  for (const key of report.keys) for (const finding of key.findings) yield findingLine(key, finding, report, paint);
}

function tableRow(key: AuditedKey, asOf: number, withProvider: boolean): Cell[] {
  const cells = keyCells(key, asOf);
  const worst = worstSeverity(key.findings);
  const findings: Cell =
    worst === undefined ? { text: 'ok', style: 'dim' } : { text: key.findings.map((f) => f.kind).join(', '), style: worst === 'error' ? 'red' : 'yellow' };
  return [
    ...(withProvider ? [{ text: key.provider }] : []),
    { text: cells.name, style: 'bold' },
    { text: truncate(cells.description, DESCRIPTION_WIDTH) || '-', style: 'dim' },
    { text: cells.roles || '-' },
    { text: cells.lastUsed, ...(key.remote.lastUsedAt === null && key.remote.lastUseUnknown === undefined ? { style: 'yellow' as const } : {}) },
    { text: cells.age },
    { text: cells.expires },
    { text: cells.owner },
    findings,
  ];
}

/** Columns padded on the plain text, so colour codes never skew the alignment. */
function* table(header: Cell[], rows: Cell[][], paint: Paint): Generator<string> {
  const widths = header.map((cell) => cell.text.length);
  for (const row of rows) for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, cell.text.length);
  const line = (row: Cell[]) =>
    row
      .map((cell, column) => {
        const last = column === row.length - 1;
        const padded = last ? cell.text : cell.text.padEnd(widths[column] ?? 0);
        return cell.style ? paint(cell.style, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  yield line(header);
  for (const row of rows) yield line(row);
}

function findingLine(key: AuditedKey, finding: Finding, report: AuditReport, paint: Paint): string {
  const severity = finding.severity === 'error' ? paint('red', 'error  ') : paint('yellow', 'warning');
  const at = findingLocation(key, report.rootFile);
  const where = key.desired ? `${at.file}:${at.line}:${at.column}` : isManaged(key.remote) ? 'no longer declared; apply revokes it' : 'not declared';
  const name = report.providers.length > 1 ? `${key.provider}/${key.remote.name}` : key.remote.name;
  return `  ${severity} ${finding.kind.padEnd(16)} ${name} (${key.remote.id}, ${where}): ${finding.message}`;
}

function summary(report: AuditReport, paint: Paint): string {
  const counts = countFindings(report);
  if (counts.errors + counts.warnings === 0) return paint('green', `No findings in ${plural(counts.keys, 'live key')}.`);
  const text = `${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')} in ${plural(counts.keys, 'live key')}.`;
  return paint(counts.errors > 0 ? 'red' : 'yellow', text);
}
