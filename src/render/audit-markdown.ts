import { countFindings, worstSeverity, type AuditReport } from '../core/audit.js';
import { isoTime, plural } from '../core/humanize.js';
import { findingLocation, keyCells, truncate } from './audit-cells.js';
import { linesInChunks } from './audit-lines.js';
import { codeSpan, mdText } from './markdown-escape.js';

const ICON = { error: '🔴', warning: '🟡', none: '🟢' } as const;

/** Markdown for an issue or pull request: a summary, the keys with findings as a table, then each finding. */
export function renderAuditMarkdown(report: AuditReport): string {
  return [...auditMarkdownChunks(report)].join('');
}

/** renderAuditMarkdown in chunks of lines, to write one after another. */
export function* auditMarkdownChunks(report: AuditReport): Generator<string> {
  yield* withTrimmedEnd(sections(report));
}

function* sections(report: AuditReport): Generator<string> {
  const counts = countFindings(report);
  const summary = `As of ${isoTime(report.asOf)}: ${plural(counts.keys, 'live key')}, ${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}.`;
  yield `## keyplan audit\n\n${summary}\n`;
  if (report.keys.length === 0) return;

  const withProvider = report.providers.length > 1;
  yield [
    '',
    `|  | ${withProvider ? 'provider | ' : ''}key | roles | last used | age | expires | owner | findings |`,
    `| --- | ${withProvider ? '--- | ' : ''}--- | --- | --- | --- | --- | --- | --- |`,
    '',
  ].join('\n');
  yield* linesInChunks(tableRows(report, withProvider));
  if (report.keys.some((key) => key.findings.length > 0)) {
    yield '\n### Findings\n\n';
    yield* linesInChunks(findingItems(report));
  }
}

function* tableRows(report: AuditReport, withProvider: boolean): Generator<string> {
  for (const key of report.keys) {
    const cells = keyCells(key, report.asOf);
    const icon = ICON[worstSeverity(key.findings) ?? 'none'];
    const described = cells.description ? `<br>${mdText(truncate(cells.description, 60))}` : '';
    const findings = key.findings.map((f) => f.kind).join(', ') || 'ok';
    yield `| ${icon} | ${withProvider ? `${mdText(key.provider)} | ` : ''}**${mdText(cells.name)}**${described} | ${mdText(cells.roles)} | ${cells.lastUsed} | ${cells.age} | ${mdText(cells.expires)} | ${mdText(cells.owner)} | ${findings} |`;
  }
}

function* findingItems(report: AuditReport): Generator<string> {
  for (const key of report.keys) {
    if (key.findings.length === 0) continue;
    const at = findingLocation(key, report.rootFile);
    const where = key.desired ? ` (${codeSpan(`${at.file}:${at.line}`)})` : ' (not declared)';
    for (const f of key.findings) yield `- ${ICON[f.severity]} **${f.kind}** ${codeSpan(key.remote.name)}${where}: ${mdText(f.message)}`;
  }
}

/** The text with trailing whitespace cut and one newline, as `${text.trimEnd()}\n`; the last chunk is never blank. */
function* withTrimmedEnd(chunks: Iterable<string>): Generator<string> {
  let previous: string | undefined;
  for (const chunk of chunks) {
    if (previous !== undefined) yield previous;
    previous = chunk;
  }
  if (previous !== undefined) yield `${previous.trimEnd()}\n`;
}
