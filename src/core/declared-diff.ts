import { shownPath, type DeclaredChange, type DeclaredDiff, type DiffNote, type FieldDelta } from './declared-diff-types.js';
import { sensitiveChanges } from './declared-diff-sensitive.js';
import { formatDuration } from './duration.js';
import type { DeliverTarget, DesiredKey, DesiredState, Expiry, RotationPolicy } from './model.js';
import { privilegedRoles, roleChange, type RoleCatalog } from './permissions.js';

/** The last use an audit saw of a key (`--audit FILE`), by `provider/name`: an ISO time, or null for never. */
export type LastUseIndex = ReadonlyMap<string, string | null>;

export interface DeclaredDiffInput {
  /** undefined: the base revision has no such configuration (every key is new). */
  base: DesiredState | undefined;
  head: DesiredState;
  /** Roles and their permissions as far as known offline (the default key service's, or --roles FILE). */
  roles: RoleCatalog;
  lastUse?: LastUseIndex;
  /** The root file's directory: paths under it are shown relative to it. */
  baseDir: string;
}

const idOf = (provider: string, name: string) => `${provider}\u0000${name}`;

/**
 * Compares what two revisions of a configuration declare (pure): creates, edits, renames (`renamed_from`) and
 * removals of keys, and changes of providers, policy and ownership. Keys are matched by provider and name.
 */
export function declaredDiff(input: DeclaredDiffInput): DeclaredDiff {
  const baseKeys = new Map((input.base?.keys ?? []).map((key) => [idOf(key.provider, key.name), key]));
  const headIds = new Set(input.head.keys.map((key) => idOf(key.provider, key.name)));
  const matched = new Set<string>();
  const changes: DeclaredChange[] = [];
  for (const key of input.head.keys) {
    const id = idOf(key.provider, key.name);
    const same = baseKeys.get(id);
    if (same) {
      matched.add(id);
      const edit = compareKey(same, key, input);
      if (edit) changes.push(edit);
      continue;
    }
    const renamedFrom = key.renamedFrom.find((old) => baseKeys.has(idOf(key.provider, old)) && !headIds.has(idOf(key.provider, old)) && !matched.has(idOf(key.provider, old)));
    if (renamedFrom !== undefined) {
      matched.add(idOf(key.provider, renamedFrom));
      const before = baseKeys.get(idOf(key.provider, renamedFrom)) as DesiredKey;
      const edit = compareKey(before, key, input);
      changes.push({ ...(edit ?? { fields: [], notes: [] }), kind: 'rename', provider: key.provider, name: key.name, from: renamedFrom, at: key.source });
      continue;
    }
    changes.push(created(key, input));
  }
  for (const [id, key] of baseKeys) if (!matched.has(id)) changes.push(removed(key, input.lastUse));
  return { changes, sensitive: sensitiveChanges(input.base, input.head, input.baseDir) };
}

function created(key: DesiredKey, { roles: catalog, baseDir }: DeclaredDiffInput): DeclaredChange {
  const fields = declaredFields(undefined, key, baseDir).filter((delta) => delta.after !== '');
  const roles = withUnknown(roleChange([], key.roles, catalog), key.roles, catalog);
  const notes: DiffNote[] = [];
  const privileged = privilegedRoles(key.roles, catalog);
  if (privileged.length > 0) notes.push({ level: 'warning', message: `grants privileged roles: ${privileged.join(', ')} (permissions ${roles.permissionsAdded.join(', ')})` });
  notes.push(...unknownNotes(roles.unknownRoles), ...takeOverNotes(undefined, key));
  return { kind: 'create', provider: key.provider, name: key.name, at: key.source, fields, roles, notes };
}

function removed(key: DesiredKey, lastUse: LastUseIndex | undefined): DeclaredChange {
  const notes: DiffNote[] = [];
  if (key.preventRevoke) notes.push({ level: 'warning', message: 'prevent_revoke is set: apply refuses to revoke this key' });
  if (key.consumers.length > 0) {
    notes.push({ level: 'warning', message: `has consumers: ${key.consumers.join(', ')}; apply refuses to revoke it unless allowed (--allow-in-use, or the keyplan:allow-in-use label on merge)` });
  }
  const used = lastUse?.get(`${key.provider}/${key.name}`);
  if (used !== undefined) notes.push({ level: used === null ? 'info' : 'warning', message: used === null ? 'never used (saved audit)' : `last used ${used} (saved audit)` });
  return { kind: 'remove', provider: key.provider, name: key.name, at: key.source, fields: [], notes };
}

function compareKey(before: DesiredKey, after: DesiredKey, { roles: catalog, baseDir }: DeclaredDiffInput): DeclaredChange | undefined {
  const fields = declaredFields(before, after, baseDir).filter((delta) => delta.before !== delta.after);
  if (fields.length === 0) return undefined;
  const notes: DiffNote[] = [...takeOverNotes(before, after)];
  let roles: DeclaredChange['roles'];
  if (fields.some((delta) => delta.field === 'roles')) {
    roles = withUnknown(roleChange(before.roles, after.roles, catalog), after.roles.filter((role) => !before.roles.includes(role)), catalog);
    if (roles.escalation) notes.push({ level: 'warning', message: `privilege escalation: gains ${roles.permissionsAdded.join(', ')}` });
    notes.push(...unknownNotes(roles.unknownRoles));
  }
  if (fields.some((delta) => delta.field === 'deliver')) notes.push({ level: 'warning', message: 'its secret goes to different places: check every deliver target' });
  if (before.preventRevoke && !after.preventRevoke) notes.push({ level: 'warning', message: 'prevent_revoke is lifted' });
  return { kind: 'edit', provider: after.provider, name: after.name, at: after.source, fields, roles, notes };
}

/** Added roles the catalog does not know count as an escalation: what they grant cannot be told offline. */
function withUnknown(change: ReturnType<typeof roleChange>, added: readonly string[], catalog: RoleCatalog): NonNullable<DeclaredChange['roles']> {
  const unknownRoles = added.filter((role) => !catalog.has(role));
  return { ...change, escalation: change.escalation || unknownRoles.length > 0, unknownRoles };
}

function unknownNotes(unknown: readonly string[]): DiffNote[] {
  return unknown.length === 0 ? [] : [{ level: 'warning', message: `permissions of ${unknown.join(', ')} are not known offline (pass --roles FILE, the key service's roles file)` }];
}

function takeOverNotes(before: DesiredKey | undefined, after: DesiredKey): DiffNote[] {
  if (!after.takeOver || after.takeOver === before?.takeOver) return [];
  return [{ level: 'warning', message: `take_over: adopts the key from ownership ${after.takeOver}` }];
}

function declaredFields(before: DesiredKey | undefined, after: DesiredKey, baseDir: string): FieldDelta[] {
  const field = (name: string, read: (key: DesiredKey) => string): FieldDelta => ({ field: name, before: before ? read(before) : '', after: read(after) });
  return [
    field('description', (k) => k.description),
    field('roles', (k) => k.roles.join(', ')),
    field('expires', (k) => expiryText(k.expires)),
    field('owner', (k) => k.owner ?? ''),
    field('consumers', (k) => k.consumers.join(', ')),
    field('rotation', (k) => rotationText(k.rotation)),
    field('deliver', (k) => k.deliver.map((target) => deliverText(target, baseDir)).join('; ')),
    field('prevent_revoke', (k) => (k.preventRevoke ? 'true' : '')),
    field('take_over', (k) => k.takeOver ?? ''),
  ];
}

export function expiryText(expiry: Expiry | undefined): string {
  if (!expiry) return '';
  return expiry.kind === 'never' ? 'never' : expiry.text;
}

function rotationText(rotation: RotationPolicy | undefined): string {
  if (!rotation) return '';
  const parts = [rotation.everyMs === undefined ? '' : `every ${formatDuration(rotation.everyMs)}`, rotation.beforeExpiryMs === undefined ? '' : `before expiry ${formatDuration(rotation.beforeExpiryMs)}`, `overlap ${formatDuration(rotation.overlapMs)}`];
  return parts.filter(Boolean).join(', ');
}

function deliverText(target: DeliverTarget, baseDir: string): string {
  if (target.type === 'file') return `file ${shownPath(target.path, baseDir)} (${target.format} ${target.var})`;
  return `github-secret ${target.repo}${target.environment ? ` environment ${target.environment}` : ''} ${target.name}`;
}

