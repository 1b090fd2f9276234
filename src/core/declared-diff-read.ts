import type { DeclaredChange, DiffNote, DiffReport, DiffSide, FieldDelta, SensitiveChange } from './declared-diff-types.js';
import type { ConfigIssue } from './errors.js';

/** The JSON was not what `keyplan diff --format json` writes. */
export class DiffJsonError extends Error {}

type Json = Record<string, unknown>;

const KINDS = new Set(['create', 'edit', 'rename', 'remove']);
const SECTIONS = new Set(['providers', 'policy', 'ownership']);
const STATUSES = new Set(['valid', 'invalid', 'absent']);

/**
 * `keyplan diff --format json`, read back from a file another run wrote (an artifact: untrusted). Every field is
 * checked and copied; anything else is dropped, so what is rendered from it is only what keyplan renders.
 */
export function readDiffJson(value: unknown, version: number): DiffReport {
  const doc = record(value, 'the document');
  if (doc.version !== version) throw new DiffJsonError(`version must be ${version}`);
  const base = record(doc.base, 'base');
  const ownership = doc.ownership === null ? undefined : text(doc.ownership, 'ownership');
  return {
    config: text(doc.config, 'config'),
    ownership,
    base: { ...side(base, 'base'), ref: text(base.ref, 'base.ref'), commit: text(base.commit, 'base.commit') },
    head: side(record(doc.head, 'head'), 'head'),
    diff: {
      sensitive: list(doc.sensitive, 'sensitive').map((item, i) => sensitive(record(item, `sensitive[${i}]`), `sensitive[${i}]`)),
      changes: list(doc.changes, 'changes').map((item, i) => change(record(item, `changes[${i}]`), `changes[${i}]`)),
    },
  };
}

function side(value: Json, at: string): DiffSide {
  const status = text(value.status, `${at}.status`);
  if (!STATUSES.has(status)) throw new DiffJsonError(`${at}.status is not one of ${[...STATUSES].join(', ')}`);
  const issues = list(value.issues, `${at}.issues`).map((item, i): ConfigIssue => {
    const issue = record(item, `${at}.issues[${i}]`);
    return { file: text(issue.file, 'file'), line: count(issue.line, 'line'), column: count(issue.column, 'column'), path: '', message: text(issue.message, 'message') };
  });
  return { status: status as DiffSide['status'], issues };
}

function sensitive(value: Json, at: string): SensitiveChange {
  const section = text(value.section, `${at}.section`);
  if (!SECTIONS.has(section)) throw new DiffJsonError(`${at}.section is not one of ${[...SECTIONS].join(', ')}`);
  return { section: section as SensitiveChange['section'], subject: text(value.subject, `${at}.subject`), before: text(value.before, `${at}.before`), after: text(value.after, `${at}.after`), message: text(value.message, `${at}.message`) };
}

function change(value: Json, at: string): DeclaredChange {
  const kind = text(value.kind, `${at}.kind`);
  if (!KINDS.has(kind)) throw new DiffJsonError(`${at}.kind is not one of ${[...KINDS].join(', ')}`);
  const result: DeclaredChange = {
    kind: kind as DeclaredChange['kind'],
    provider: text(value.provider, `${at}.provider`),
    name: text(value.name, `${at}.name`),
    fields: list(value.fields, `${at}.fields`).map((item, i): FieldDelta => {
      const field = record(item, `${at}.fields[${i}]`);
      return { field: text(field.field, 'field'), before: text(field.before, 'before'), after: text(field.after, 'after') };
    }),
    notes: list(value.notes, `${at}.notes`).map((item, i): DiffNote => {
      const note = record(item, `${at}.notes[${i}]`);
      return { level: note.level === 'warning' ? 'warning' : 'info', message: text(note.message, 'message') };
    }),
  };
  if (value.from !== undefined) result.from = text(value.from, `${at}.from`);
  if (value.at !== undefined) {
    const pos = record(value.at, `${at}.at`);
    result.at = { file: text(pos.file, 'file'), line: count(pos.line, 'line'), column: count(pos.column, 'column') };
  }
  if (value.roles !== undefined) {
    const roles = record(value.roles, `${at}.roles`);
    const names = (name: string) => list(roles[name], `${at}.roles.${name}`).map((item) => text(item, name));
    result.roles = {
      rolesAdded: names('rolesAdded'), rolesRemoved: names('rolesRemoved'), permissionsAdded: names('permissionsAdded'), permissionsRemoved: names('permissionsRemoved'),
      unknownRoles: names('unknownRoles'), escalation: roles.escalation === true,
    };
  }
  return result;
}

function record(value: unknown, at: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DiffJsonError(`${at} must be an object`);
  return value as Json;
}

function list(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new DiffJsonError(`${at} must be a list`);
  return value;
}

function text(value: unknown, at: string): string {
  if (typeof value !== 'string') throw new DiffJsonError(`${at} must be a string`);
  return value;
}

function count(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new DiffJsonError(`${at} must be a whole number`);
  return value;
}
