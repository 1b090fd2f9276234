import type { DiffReport } from '../core/declared-diff-types.js';
import { plainPaint, type Paint } from './paint.js';
import { baseStatusWords, baseWords, changeTitle, deltaWords, DIFF_SYMBOL, diffSummary, roleWords, validationLines, whereWords } from './diff-lines.js';

const STYLE = { create: 'green', edit: 'yellow', rename: 'cyan', remove: 'red' } as const;

/** `keyplan diff` for a terminal: sensitive changes first, then each key, then the count. */
export function renderDiffText(report: DiffReport, paint: Paint = plainPaint): string {
  const lines = [`keyplan diff of ${report.config} against ${baseWords(report)}: declared changes only; no key service was asked.`];
  const status = baseStatusWords(report);
  if (status) lines.push(status);
  // Sensitive changes first, also for a configuration that does not validate: breaking it must not hide them.
  if (report.diff.sensitive.length > 0) {
    lines.push('', paint('magenta', 'Sensitive changes (where tokens go, what may be revoked):'));
    for (const change of report.diff.sensitive) lines.push(`  ! ${change.message}`, `      ${change.subject}: ${deltaWords(change)}`);
  }
  const issues = validationLines(report);
  if (issues.head.length > 0) {
    lines.push('', paint('red', `The changed configuration does not validate (${issues.head.length}):`), ...issues.head.map((line) => `  ${line}`));
    return `${lines.join('\n')}\n`;
  }
  if (report.diff.changes.length > 0) lines.push('');
  for (const change of report.diff.changes) {
    const where = change.at ? ` (${whereWords(change, report)})` : '';
    lines.push(paint(STYLE[change.kind], `${DIFF_SYMBOL[change.kind]} ${changeTitle(change)}`) + paint('dim', `  [${change.provider}]${where}`));
    for (const delta of change.fields) lines.push(`    ${delta.field}: ${change.kind === 'create' ? delta.after : deltaWords(delta)}`);
    const roles = roleWords(change);
    if (roles && change.kind !== 'create') lines.push(`    ${roles}`);
    for (const note of change.notes) lines.push(note.level === 'warning' ? paint('yellow', `    ! ${note.message}`) : `    ${note.message}`);
  }
  if (issues.base.length > 0) lines.push('', `Problems of ${report.config} at ${report.base.ref}:`, ...issues.base.map((line) => `  ${line}`));
  lines.push('', report.diff.changes.length + report.diff.sensitive.length === 0 ? 'No declared changes.' : diffSummary(report));
  return `${lines.join('\n')}\n`;
}
