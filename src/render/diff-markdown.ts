import type { DeclaredChange, DiffReport } from '../core/declared-diff-types.js';
import { plural } from '../core/humanize.js';
import { baseStatusWords, baseWords, DIFF_VERB, diffSummary, roleWords, validationLines, whereWords } from './diff-lines.js';
import { codeSpan, mdText } from './markdown-escape.js';

const ICON: Record<DeclaredChange['kind'], string> = { create: '🟢', edit: '🟡', rename: '🔵', remove: '🔴' };

export interface DiffMarkdownOptions {
  /** Characters the whole text may take (GitHub's comment limit, less the marker); none: no limit. */
  limit?: number;
  /** Who computed it, for a comment posted from another run: `the pull request's own run`. */
  source?: string;
}

/**
 * `keyplan diff` as GitHub-flavoured markdown, for a step summary or the pull request's one keyplan diff comment.
 * Every value from the configuration is escaped: a key's description cannot add markup, links or mentions.
 * When over `limit`, each change's detail goes first, then changes past the limit are counted, not shown.
 */
export function renderDiffMarkdown(report: DiffReport, options: DiffMarkdownOptions = {}): string {
  const head = [`### keyplan diff for ${codeSpan(report.config)}`, '', `Declared changes against ${codeSpan(baseWords(report))}. Computed offline: no key service was asked, no token was used and no code of the change ran${options.source ? `; computed by ${mdText(options.source)}` : ''}. The live plan runs when a maintainer runs it.`];
  const status = baseStatusWords(report);
  if (status) head.push('', `> ${mdText(status)}`);
  // Sensitive changes first, also for a configuration that does not validate: breaking it must not hide them.
  if (report.diff.sensitive.length > 0) {
    head.push('', '> [!WARNING]', '> **Sensitive changes**: where tokens go and what may be revoked.', '>');
    for (const change of report.diff.sensitive) head.push(`> - ${mdText(change.message)}: ${codeSpan(change.subject)} ${codeSpan(change.before || '(none)')} → ${codeSpan(change.after || '(none)')}`);
  }
  const issues = validationLines(report);
  if (issues.head.length > 0) {
    head.push('', `**The changed configuration does not validate** (${plural(issues.head.length, 'problem')}):`, '', ...issues.head.map((line) => `- ${mdText(line)}`));
    return fit(head, [], [], options.limit);
  }
  head.push('', `**${mdText(report.diff.changes.length + report.diff.sensitive.length === 0 ? 'No declared changes.' : diffSummary(report))}**`);
  const items = report.diff.changes.map((change) => changeItem(change, report, true));
  const short = report.diff.changes.map((change) => changeItem(change, report, false));
  const tail = issues.base.length > 0 ? ['', `<details><summary>Problems at the base revision (${issues.base.length})</summary>`, '', ...issues.base.map((line) => `- ${mdText(line)}`), '', '</details>'] : [];
  return fit(head, items, short, options.limit, tail);
}

function changeItem(change: DeclaredChange, report: DiffReport, detailed: boolean): string {
  const where = change.at ? ` — ${mdText(whereWords(change, report))}` : '';
  const title = `- ${ICON[change.kind]} ${DIFF_VERB[change.kind]} ${codeSpan(change.kind === 'rename' ? `${change.from ?? ''} → ${change.name}` : change.name)} (${mdText(change.provider)})${where}`;
  const warnings = change.notes.filter((note) => note.level === 'warning').map((note) => `  - ⚠️ ${mdText(note.message)}`);
  if (!detailed) return [title, ...warnings].join('\n');
  const fields = change.fields.map((delta) => `  - ${mdText(delta.field)}: ${change.kind === 'create' ? codeSpan(delta.after) : `${codeSpan(delta.before || '(none)')} → ${codeSpan(delta.after || '(none)')}`}`);
  const roles = change.kind === 'create' ? undefined : roleWords(change);
  const info = change.notes.filter((note) => note.level === 'info').map((note) => `  - ${mdText(note.message)}`);
  return [title, ...fields, ...(roles ? [`  - ${mdText(roles)}`] : []), ...warnings, ...info].join('\n');
}

function fit(head: string[], items: string[], short: string[], limit: number | undefined, tail: string[] = []): string {
  const join = (list: string[], note: string[] = []) => `${[...head, ...(list.length > 0 ? ['', ...list] : []), ...note, ...tail].join('\n')}\n`;
  const whole = join(items);
  if (limit === undefined || whole.length <= limit) return whole;
  const folded = join(short, ['', '_Detail of each change is folded to fit GitHub\'s size limit; `keyplan diff` shows all of it._']);
  if (folded.length <= limit) return folded;
  const kept: string[] = [];
  let used = join([], ['', '_'.repeat(200)]).length;
  for (const item of short) {
    if (used + item.length + 1 > limit) break;
    kept.push(item);
    used += item.length + 1;
  }
  return join(kept, ['', `_${short.length - kept.length} more changes are not shown, to fit GitHub's size limit; \`keyplan diff\` shows all of them._`]);
}
