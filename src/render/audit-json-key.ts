import type { AuditedKey } from '../core/audit.js';
import { isoTime } from '../core/humanize.js';
import { isManaged } from '../core/ownership.js';
import { ownerOf } from './audit-cells.js';
import { jsonString, prettyJson } from './json-text.js';

/** One key of the audit JSON, as an object for JSON.stringify. */
export function keyJson(key: AuditedKey): object {
  const { remote, desired } = key;
  return {
    provider: key.provider,
    id: remote.id,
    name: remote.name,
    description: remote.description,
    roles: remote.roles,
    prefix: remote.prefix,
    created_at: isoTime(remote.createdAt),
    last_used_at: time(remote.lastUsedAt),
    expires_at: time(remote.expiresAt),
    owner: ownerOf(key) ?? null,
    declared: desired !== undefined,
    managed: isManaged(remote),
    source: desired ? { file: desired.source.file, line: desired.source.line, column: desired.source.column } : null,
    findings: key.findings.map((f) => ({ kind: f.kind, severity: f.severity, message: f.message })),
  };
}

/**
 * Exactly `JSON.stringify(keyJson(key), null, 2)` nested at `indent` (its first line indented too), written
 * straight from the key: no object per key and per finding, no general serialiser walking them. A key whose
 * values are not the types the model promises (a provider's odd data) goes through keyJson and JSON.stringify.
 */
export function keyJsonText(key: AuditedKey, indent: string): string {
  const { remote, desired } = key;
  const owner = ownerOf(key) ?? null;
  if (!wellTyped(key, owner)) return indent + prettyJson(keyJson(key), indent);
  const i1 = `${indent}  `;
  const i2 = `${i1}  `;
  const i3 = `${i2}  `;
  let text = `${indent}{\n${i1}"provider": ${jsonString(key.provider)},\n${i1}"id": ${jsonString(remote.id)},\n${i1}"name": ${jsonString(remote.name)},\n${i1}"description": ${jsonString(remote.description)},\n${i1}"roles": `;
  if (remote.roles.length === 0) text += '[]';
  else {
    text += '[';
    for (let index = 0; index < remote.roles.length; index += 1) text += `${index === 0 ? '\n' : ',\n'}${i2}${jsonString(remote.roles[index] as string)}`;
    text += `\n${i1}]`;
  }
  text += `,\n${i1}"prefix": ${jsonString(remote.prefix)},\n${i1}"created_at": "${isoTime(remote.createdAt)}",\n${i1}"last_used_at": ${timeText(remote.lastUsedAt)},\n${i1}"expires_at": ${timeText(remote.expiresAt)},\n${i1}"owner": ${owner === null ? 'null' : jsonString(owner)},\n${i1}"declared": ${desired !== undefined},\n${i1}"managed": ${isManaged(remote)},\n${i1}"source": `;
  text += desired
    ? `{\n${i2}"file": ${jsonString(desired.source.file)},\n${i2}"line": ${desired.source.line},\n${i2}"column": ${desired.source.column}\n${i1}}`
    : 'null';
  text += `,\n${i1}"findings": `;
  if (key.findings.length === 0) text += '[]';
  else {
    text += '[';
    for (let index = 0; index < key.findings.length; index += 1) {
      const f = key.findings[index] as AuditedKey['findings'][number];
      text += `${index === 0 ? '\n' : ',\n'}${i2}{\n${i3}"kind": ${jsonString(f.kind)},\n${i3}"severity": ${jsonString(f.severity)},\n${i3}"message": ${jsonString(f.message)}\n${i2}}`;
    }
    text += `\n${i1}]`;
  }
  return `${text}\n${indent}}`;
}

function time(at: number | null): string | null {
  return at === null ? null : isoTime(at);
}

/** isoTime's text needs no escaping. */
function timeText(at: number | null): string {
  return at === null ? 'null' : `"${isoTime(at)}"`;
}

/** Whether every value keyJsonText writes by hand has the type it expects (JSON.stringify would print the same). */
function wellTyped(key: AuditedKey, owner: unknown): boolean {
  const { remote, desired } = key;
  if (typeof key.provider !== 'string' || typeof remote.id !== 'string' || typeof remote.name !== 'string') return false;
  if (typeof remote.description !== 'string' || typeof remote.prefix !== 'string' || !(owner === null || typeof owner === 'string')) return false;
  if (!Array.isArray(remote.roles)) return false;
  // A loop, not every(): every() skips the holes of a sparse array, which JSON.stringify prints as null.
  for (let index = 0; index < remote.roles.length; index += 1) if (typeof remote.roles[index] !== 'string') return false;
  if (desired && !(typeof desired.source.file === 'string' && Number.isFinite(desired.source.line) && Number.isFinite(desired.source.column))) return false;
  return key.findings.every((f) => typeof f.kind === 'string' && typeof f.severity === 'string' && typeof f.message === 'string');
}
