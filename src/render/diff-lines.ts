import { countByKind, type DeclaredChange, type DiffReport, type FieldDelta } from '../core/declared-diff-types.js';
import { formatIssue } from '../core/errors.js';
import { plural } from '../core/humanize.js';

/** The words every format of `keyplan diff` shares. */
export const DIFF_SYMBOL: Record<DeclaredChange['kind'], string> = { create: '+', edit: '~', rename: '→', remove: '-' };
export const DIFF_VERB: Record<DeclaredChange['kind'], string> = { create: 'create', edit: 'edit', rename: 'rename', remove: 'remove' };

export function diffSummary(report: DiffReport): string {
  const counts = countByKind(report.diff);
  const sensitive = report.diff.sensitive.length;
  return `Declared: ${counts.create} to create, ${counts.edit} to edit, ${counts.rename} to rename, ${counts.remove} to remove; ${plural(sensitive, 'sensitive change')}.`;
}

export function baseWords(report: DiffReport): string {
  return `${report.base.ref} (${report.base.commit.slice(0, 12)})`;
}

/** `before → after`, `(none) → after` for a field newly declared. */
export function deltaWords(delta: Pick<FieldDelta, 'before' | 'after'>): string {
  const shown = (value: string) => (value === '' ? '(none)' : value);
  return `${shown(delta.before)} → ${shown(delta.after)}`;
}

export function changeTitle(change: DeclaredChange): string {
  const name = change.kind === 'rename' ? `${change.from ?? ''} → ${change.name}` : change.name;
  return `${DIFF_VERB[change.kind]} ${name}`;
}

export function roleWords(change: DeclaredChange): string | undefined {
  const roles = change.roles;
  if (!roles) return undefined;
  const parts = [];
  if (roles.permissionsAdded.length > 0) parts.push(`adds ${roles.permissionsAdded.join(', ')}`);
  if (roles.permissionsRemoved.length > 0) parts.push(`removes ${roles.permissionsRemoved.join(', ')}`);
  return parts.length === 0 ? undefined : `permissions: ${parts.join('; ')}`;
}

/** What is wrong with either side, one line per issue. */
export function validationLines(report: DiffReport): { base: string[]; head: string[] } {
  return { base: report.base.issues.map(formatIssue), head: report.head.issues.map(formatIssue) };
}

export function baseStatusWords(report: DiffReport): string | undefined {
  if (report.base.status === 'absent') return `${report.config} does not exist at ${report.base.ref}: every key is new.`;
  if (report.base.status === 'invalid') return `${report.config} does not validate at ${report.base.ref} (${plural(report.base.issues.length, 'problem')}): its keys are compared as if none were declared.`;
  return undefined;
}

/** Where a key's entry is: in the changed files, or (a removal) at the base revision. */
export function whereWords(change: DeclaredChange, report: DiffReport): string {
  if (!change.at) return '';
  return `${change.at.file}:${change.at.line}${change.kind === 'remove' ? ` at ${report.base.ref}` : ''}`;
}
