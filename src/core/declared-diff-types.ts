import type { ConfigIssue, SourcePosition } from './errors.js';
import type { RoleChange } from './plan-types.js';

/** What a change declares, key by key, as `keyplan diff` shows it: no key service was asked. */
export type DeclaredChangeKind = 'create' | 'edit' | 'rename' | 'remove';

/** One declared field, before and after, as written (`90d`, `READONLY, ADMIN`); '' when not declared. */
export interface FieldDelta {
  field: string;
  before: string;
  after: string;
}

export interface DiffNote {
  /** warning: a reviewer must look (an escalation, a removal apply refuses); info: context. */
  level: 'warning' | 'info';
  message: string;
}

export interface DeclaredChange {
  kind: DeclaredChangeKind;
  provider: string;
  name: string;
  /** rename: the name in the base revision. */
  from?: string;
  /** The key's entry: in the changed files, or (remove) in the base revision's. */
  at?: SourcePosition;
  fields: FieldDelta[];
  /** Roles and the permissions they add and remove, when roles changed (or, for a create, what it grants). */
  roles?: RoleChange & { unknownRoles: string[] };
  notes: DiffNote[];
}

/** A change to what decides where tokens go and what may be touched: `providers:`, `policy:`, `ownership:`. */
export interface SensitiveChange {
  section: 'providers' | 'policy' | 'ownership';
  /** `providers.prod.url`, `policy.prune`, `ownership`. */
  subject: string;
  before: string;
  after: string;
  message: string;
}

export interface DeclaredDiff {
  changes: DeclaredChange[];
  sensitive: SensitiveChange[];
}

export function hasDeclaredChanges(diff: DeclaredDiff): boolean {
  return diff.changes.length > 0 || diff.sensitive.length > 0;
}

export function countByKind(diff: DeclaredDiff): Record<DeclaredChangeKind, number> {
  const counts: Record<DeclaredChangeKind, number> = { create: 0, edit: 0, rename: 0, remove: 0 };
  for (const change of diff.changes) counts[change.kind]++;
  return counts;
}

/** A path under the root file's directory, relative to it (pure: plain string work). */
export function shownPath(path: string, baseDir: string): string {
  for (const separator of ['/', '\\']) if (path.startsWith(`${baseDir}${separator}`)) return path.slice(baseDir.length + 1).split('\\').join('/');
  return path;
}

export interface DiffSide {
  /** absent: the base revision has no such file (every key is new). */
  status: 'valid' | 'invalid' | 'absent';
  issues: ConfigIssue[];
}

export interface DiffReport {
  config: string;
  ownership: string | undefined;
  base: DiffSide & { ref: string; commit: string };
  head: DiffSide;
  /** Empty when the changed configuration does not validate. */
  diff: DeclaredDiff;
}
