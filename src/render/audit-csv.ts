import type { AuditReport, AuditedKey } from '../core/audit.js';
import { worstSeverity } from '../core/audit.js';
import { isoTime } from '../core/humanize.js';
import { ownerOf } from './audit-cells.js';
import { linesInChunks } from './audit-lines.js';

const HEADER = ['provider', 'id', 'name', 'description', 'roles', 'created_at', 'last_used_at', 'expires_at', 'owner', 'declared', 'source', 'severity', 'findings', 'messages'];

/** One row per live key, RFC 4180 (CRLF line ends), safe to open in a spreadsheet. */
export function renderAuditCsv(report: AuditReport): string {
  return [...auditCsvChunks(report)].join('');
}

/** renderAuditCsv in chunks of rows, to write one after another. */
export function auditCsvChunks(report: AuditReport): Generator<string> {
  return linesInChunks(csvLines(report), '\r\n');
}

function* csvLines(report: AuditReport): Generator<string> {
  yield HEADER.map(csvCell).join(',');
  for (const key of report.keys) yield row(key).map(csvCell).join(',');
}

function row(key: AuditedKey): string[] {
  const { remote, desired } = key;
  const time = (at: number | null) => (at === null ? '' : isoTime(at));
  return [
    key.provider,
    remote.id,
    remote.name,
    remote.description,
    remote.roles.join(' '),
    isoTime(remote.createdAt),
    time(remote.lastUsedAt),
    time(remote.expiresAt),
    ownerOf(key) ?? '',
    desired ? 'yes' : 'no',
    desired ? `${desired.source.file}:${desired.source.line}` : '',
    worstSeverity(key.findings) ?? '',
    key.findings.map((f) => f.kind).join(' '),
    key.findings.map((f) => `${f.kind}: ${f.message}`).join('\n'),
  ];
}

/**
 * Quotes a cell when RFC 4180 requires it, and defuses spreadsheet formulas: a cell starting with
 * = + - @ (or a tab or carriage return, which some spreadsheets skip) gets a leading apostrophe (OWASP).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
