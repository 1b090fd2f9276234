import type { DeliverTarget, DesiredKey, RotationPolicy } from './model.js';
import { parseExpiry } from './duration.js';
import { asRecord, asString, asStringList, type NodePath, type SourceDocument } from './config-source.js';
import { readDuration, type IssueList } from './config-values.js';
import { resolveFrom } from './config-paths.js';

/** A declared key with where it came from, for checks that name a second place. */
export interface KeyEntry {
  key: DesiredKey;
  doc: SourceDocument;
  /** Path of the key's mapping inside its document, e.g. ['keys', 3]. */
  path: NodePath;
  /** The provider as written; undefined when the key says none. */
  writtenProvider: string | undefined;
  /** An `expires:` was written but could not be read (already reported): skip the expiry policy checks. */
  expiresUnreadable: boolean;
  /** Where each of key.deliver was written, in the same order. */
  deliverPaths: NodePath[];
}

/** Normalizes every well-formed entry of a document's `keys:` list; malformed ones are left to the schema. */
export function normalizeKeys(doc: SourceDocument, baseDir: string, issues: IssueList): KeyEntry[] {
  const list = asRecord(doc.data)?.keys;
  if (!Array.isArray(list)) return [];
  const entries: KeyEntry[] = [];
  list.forEach((value: unknown, index) => {
    const entry = normalizeKey(doc, ['keys', index], value, baseDir, issues);
    if (entry) entries.push(entry);
  });
  return entries;
}

function normalizeKey(
  doc: SourceDocument,
  path: NodePath,
  value: unknown,
  baseDir: string,
  issues: IssueList,
): KeyEntry | undefined {
  const raw = asRecord(value);
  const name = asString(raw?.name);
  if (!raw || name === undefined) return undefined;
  const at = doc.locate(path, 'value');
  const deliver = normalizeDeliver(raw.deliver, baseDir);
  const key: DesiredKey = {
    name,
    description: asString(raw.description) ?? '',
    roles: asStringList(raw.roles),
    consumers: asStringList(raw.consumers),
    provider: '',
    renamedFrom: asStringList(raw.renamed_from),
    deliver: deliver.map((item) => item.target),
    preventRevoke: raw.prevent_revoke === true,
    source: { file: doc.displayPath, line: at.line, column: at.column },
  };
  const fields: NonNullable<DesiredKey['fields']> = {};
  for (const field of ['expires', 'roles', 'deliver', 'rotation.every', 'rotation.before_expiry', 'rotation.overlap'] as const) {
    const at = field.split('.');
    if (at.reduce<unknown>((value, part) => asRecord(value)?.[part], raw) === undefined) continue;
    const written = doc.locate([...path, ...at], 'value');
    fields[field] = { file: doc.displayPath, line: written.line, column: written.column };
  }
  key.fields = fields;
  const owner = asString(raw.owner);
  if (owner !== undefined) key.owner = owner;
  const takeOver = asString(raw.take_over);
  if (takeOver !== undefined) key.takeOver = takeOver;
  if (typeof raw.expires === 'string') {
    const parsed = parseExpiry(raw.expires);
    if (parsed.ok) key.expires = parsed.expiry;
    else issues.add(doc, [...path, 'expires'], parsed.message);
  }
  const rotation = normalizeRotation(doc, [...path, 'rotation'], raw.rotation, issues);
  if (rotation) key.rotation = rotation;
  return {
    key,
    doc,
    path,
    writtenProvider: asString(raw.provider),
    expiresUnreadable: raw.expires !== undefined && key.expires === undefined,
    deliverPaths: deliver.map((item) => [...path, 'deliver', item.index]),
  };
}

function normalizeRotation(
  doc: SourceDocument,
  path: NodePath,
  value: unknown,
  issues: IssueList,
): RotationPolicy | undefined {
  const raw = asRecord(value);
  if (!raw) return undefined;
  const everyMs = readDuration(doc, [...path, 'every'], raw.every, issues);
  const beforeExpiryMs = readDuration(doc, [...path, 'before_expiry'], raw.before_expiry, issues);
  const overlapMs = readDuration(doc, [...path, 'overlap'], raw.overlap, issues) ?? 0;
  if (raw.every === undefined && raw.before_expiry === undefined) {
    issues.add(doc, path, 'rotation needs `every` or `before_expiry` (or both) to say when to rotate');
  }
  return {
    overlapMs,
    ...(everyMs === undefined ? {} : { everyMs }),
    ...(beforeExpiryMs === undefined ? {} : { beforeExpiryMs }),
  };
}

function normalizeDeliver(value: unknown, baseDir: string): { target: DeliverTarget; index: number }[] {
  if (!Array.isArray(value)) return [];
  const targets: { target: DeliverTarget; index: number }[] = [];
  for (const [index, item] of value.entries()) {
    const raw = asRecord(item);
    if (!raw) continue;
    const path = asString(raw.path);
    const variable = asString(raw.var);
    const repo = asString(raw.repo);
    const name = asString(raw.name);
    if (raw.type === 'file' && path && variable) {
      const format = raw.format === 'json' ? 'json' : 'dotenv';
      targets.push({ index, target: { type: 'file', path: resolveFrom(baseDir, path), format, var: variable } });
    } else if (raw.type === 'github-secret' && repo && name) {
      const environment = asString(raw.environment);
      targets.push({
        index,
        target: { type: 'github-secret', repo, name, ...(environment === undefined ? {} : { environment }) },
      });
    }
  }
  return targets;
}
