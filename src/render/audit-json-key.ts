import type { AuditedKey } from '../core/audit.js';
import type { SourcePosition } from '../core/errors.js';
import { isoTime } from '../core/humanize.js';
import { isManaged } from '../core/ownership.js';
import { remembered } from '../core/remembered.js';
import { ownerOf } from './audit-cells.js';
import { jsonString, jsonStringBody, prettyJson } from './json-text.js';

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
 * Writes keys as `JSON.stringify(keyJson(key), null, 2)` nested at `indent` (the first line indented too),
 * straight from each key: no object per key and per finding, no general serialiser walking them. What many keys
 * share (the provider, a role list, a finding, the list of a key's findings) is written once and reused, so a
 * key's text is a few pieces. A key whose values are not the types the model promises (a provider's odd data)
 * goes through keyJson and JSON.stringify.
 */
export function keyJsonWriter(indent: string): (key: AuditedKey) => string {
  const i1 = `${indent}  `;
  const i2 = `${i1}  `;
  const i3 = `${i2}  `;
  const field = (name: string) => `,\n${i1}"${name}": `;
  // The quotes around the strings written bare (the text itself when it needs no escaping) are in the field names:
  // fewer pieces per key make its text quicker to write out.
  const [name, description, createdAt] = ['name', 'description', 'created_at'].map((label) => `"${field(label)}"`) as string[] & { length: 3 };
  const [roles, lastUsed] = ['roles', 'last_used_at'].map((label) => `"${field(label)}`) as string[] & { length: 2 };
  const prefix = `${field('prefix')}"`;
  const [expires, owner, findingsField] = ['expires_at', 'owner', 'findings'].map(field) as string[] & { length: 3 };
  const end = `\n${indent}}`;
  const head = remembered((provider: string) => [indent, '{\n', i1, '"provider": ', jsonString(provider), field('id'), '"'].join(''));
  const oneRole = remembered((role: string) => ['[\n', i2, jsonString(role), '\n', i1, ']'].join(''));
  const ownerText = remembered((name: string) => jsonString(name));
  // declared, managed and an empty source: four texts, made once.
  const flags = remembered((which: string) => [field('declared'), which[0] === 'd', field('managed'), which[1] === 'm', field('source')].join(''));
  const finding = remembered((kind: string) =>
    remembered((severity: string) => remembered((message: string) => [i2, '{\n', i3, '"kind": ', jsonString(kind), ',\n', i3, '"severity": ', jsonString(severity), ',\n', i3, '"message": ', jsonString(message), '\n', i2, '}'].join(''))),
  );
  const oneFinding = remembered((text: string) => ['[\n', text, '\n', i1, ']'].join(''));
  const twoFindings = remembered((first: string) => remembered((second: string) => ['[\n', first, ',\n', second, '\n', i1, ']'].join('')));

  const rolesText = (list: readonly string[]): string => {
    if (list.length === 0) return '[]';
    if (list.length === 1) return oneRole(list[0] as string);
    return `[\n${list.map((role) => i2 + jsonString(role)).join(',\n')}\n${i1}]`;
  };
  const findingsText = (findings: AuditedKey['findings']): string => {
    const texts = findings.map((f) => finding(f.kind)(f.severity)(f.message));
    if (texts.length === 0) return '[]';
    if (texts.length === 1) return oneFinding(texts[0] as string);
    if (texts.length === 2) return twoFindings(texts[0] as string)(texts[1] as string);
    return `[\n${texts.join(',\n')}\n${i1}]`;
  };
  const sourceText = (source: SourcePosition): string => `{\n${i2}"file": ${jsonString(source.file)},\n${i2}"line": ${source.line},\n${i2}"column": ${source.column}\n${i1}}`;

  return (key) => {
    const { remote, desired } = key;
    const keyOwner = ownerOf(key) ?? null;
    if (!wellTyped(key, keyOwner)) return indent + prettyJson(keyJson(key), indent);
    return (
      head(key.provider) +
      jsonStringBody(remote.id) +
      name +
      jsonStringBody(remote.name) +
      description +
      jsonStringBody(remote.description) +
      roles +
      rolesText(remote.roles) +
      prefix +
      jsonStringBody(remote.prefix) +
      createdAt +
      isoTime(remote.createdAt) +
      lastUsed +
      timeText(remote.lastUsedAt) +
      expires +
      timeText(remote.expiresAt) +
      owner +
      (keyOwner === null ? 'null' : ownerText(keyOwner)) +
      flags(`${desired === undefined ? '-' : 'd'}${isManaged(remote) ? 'm' : '-'}`) +
      (desired ? sourceText(desired.source) : 'null') +
      findingsField +
      findingsText(key.findings) +
      end
    );
  };
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
