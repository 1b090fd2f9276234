/**
 * The key service's JSON (CONTRACT.md, "Key service HTTP API v1") and its
 * mapping to and from the model. Responses are checked, so a wrong or foreign
 * server gives a message naming the bad field instead of a TypeError later.
 */
import { ProviderError } from '../core/errors.js';
import type { Capabilities, EditableField, Expiry, ExpirationSupport, RemoteKey, Role } from '../core/model.js';
import { parseDuration } from '../core/duration.js';
import type { CreateKeyInput, UpdateKeyInput } from './provider.js';

export interface WireKey {
  id: string;
  name: string;
  description: string;
  roles: string[];
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  metadata: Record<string, string>;
  etag: string;
}

export interface WireCreateBody {
  name: string;
  description: string;
  roles: string[];
  expires_at?: string;
  expires_in?: string;
  metadata: Record<string, string>;
}

export type WireUpdateBody = UpdateKeyInput;

const EDITABLE_FIELDS: readonly EditableField[] = ['name', 'description', 'roles', 'metadata', 'expires'];

export function createBody(input: CreateKeyInput): WireCreateBody {
  return {
    name: input.name,
    description: input.description,
    roles: input.roles,
    ...expiryFields(input.expires),
    metadata: input.metadata,
  };
}

export function expiryFields(expires: Expiry | undefined): { expires_at?: string; expires_in?: string } {
  if (expires === undefined) return {};
  switch (expires.kind) {
    case 'never':
      return { expires_in: 'never' };
    case 'relative':
      return { expires_in: expires.text };
    case 'absolute':
      return { expires_at: new Date(expires.at).toISOString() };
  }
}

/** Only the fields present in the patch: an absent field is left as it is. */
export function updateBody(patch: UpdateKeyInput): WireUpdateBody {
  const body: WireUpdateBody = {};
  if (patch.name !== undefined) body.name = patch.name;
  if (patch.description !== undefined) body.description = patch.description;
  if (patch.roles !== undefined) body.roles = patch.roles;
  if (patch.metadata !== undefined) body.metadata = patch.metadata;
  return body;
}


/** Reads fields of one JSON object, naming what is wrong with it in terms of where it came from. */
class Reader {
  constructor(
    private readonly value: unknown,
    private readonly what: string,
  ) {
    if (!isObject(value)) this.fail(`expected an object, got ${describe(value)}`);
  }

  private get record(): Record<string, unknown> {
    return this.value as Record<string, unknown>;
  }

  fail(problem: string): never {
    throw new ProviderError(`the key service sent an invalid ${this.what}: ${problem}`, undefined, 'invalid_response');
  }

  string(field: string): string {
    const v = this.record[field];
    if (typeof v !== 'string') this.fail(`"${field}" should be a string, got ${describe(v)}`);
    return v;
  }

  optionalString(field: string, fallback: string): string {
    const v = this.record[field];
    return v === undefined || v === null ? fallback : this.string(field);
  }

  stringArray(field: string): string[] {
    const v = this.record[field];
    if (!Array.isArray(v) || !v.every((item) => typeof item === 'string')) {
      this.fail(`"${field}" should be a list of strings, got ${describe(v)}`);
    }
    return v as string[];
  }

  stringMap(field: string): Record<string, string> {
    const v = this.record[field] ?? {};
    if (!isObject(v) || !Object.values(v).every((item) => typeof item === 'string')) {
      this.fail(`"${field}" should map strings to strings, got ${describe(v)}`);
    }
    return { ...(v as Record<string, string>) };
  }

  time(field: string): number {
    const text = this.string(field);
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) this.fail(`"${field}" is not an ISO-8601 time: ${JSON.stringify(text)}`);
    return ms;
  }

  optionalTime(field: string): number | null {
    const v = this.record[field];
    return v === undefined || v === null ? null : this.time(field);
  }

  boolean(field: string, fallback: boolean): boolean {
    const v = this.record[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(`"${field}" should be true or false, got ${describe(v)}`);
    return v;
  }

  array(field: string): unknown[] {
    const v = this.record[field];
    if (!Array.isArray(v)) this.fail(`"${field}" should be a list, got ${describe(v)}`);
    return v;
  }

  object(field: string): unknown {
    const v = this.record[field];
    if (!isObject(v)) this.fail(`"${field}" should be an object, got ${describe(v)}`);
    return v;
  }

  nullableString(field: string): string | null {
    const v = this.record[field];
    return v === undefined || v === null ? null : this.string(field);
  }
}

export function fromWireKey(value: unknown, etagHeader?: string): RemoteKey {
  const r = new Reader(value, 'key');
  return {
    id: r.string('id'),
    name: r.string('name'),
    description: r.optionalString('description', ''),
    roles: r.stringArray('roles'),
    prefix: r.optionalString('prefix', ''),
    createdAt: r.time('created_at'),
    expiresAt: r.optionalTime('expires_at'),
    lastUsedAt: r.optionalTime('last_used_at'),
    revokedAt: r.optionalTime('revoked_at'),
    metadata: r.stringMap('metadata'),
    etag: r.optionalString('etag', etagHeader ?? ''),
  };
}

export function fromWireKeyPage(value: unknown): { keys: RemoteKey[]; nextCursor: string | null } {
  const r = new Reader(value, 'key list');
  return { keys: r.array('keys').map((key) => fromWireKey(key)), nextCursor: r.nullableString('next_cursor') };
}

export function fromWireCreated(value: unknown, etagHeader?: string): { key: RemoteKey; secret: string } {
  const r = new Reader(value, 'create response');
  return { key: fromWireKey(r.object('key'), etagHeader), secret: r.string('secret') };
}

export function fromWireRoles(value: unknown): Role[] {
  const r = new Reader(value, 'role list');
  return r.array('roles').map((role) => {
    const rr = new Reader(role, 'role');
    return { name: rr.string('name'), description: rr.optionalString('description', ''), permissions: rr.stringArray('permissions') };
  });
}

export function fromWireCapabilities(value: unknown): Capabilities {
  const r = new Reader(value, 'capabilities');
  const editableFields = r
    .stringArray('editable_fields')
    .filter((field): field is EditableField => (EDITABLE_FIELDS as readonly string[]).includes(field));
  return { editableFields, expiration: fromWireExpiration(r.object('expiration')), metadata: r.boolean('metadata', false) };
}

function fromWireExpiration(value: unknown): ExpirationSupport {
  const r = new Reader(value, 'expiration capability');
  const mode = r.string('mode');
  if (mode === 'presets') return { mode, presets: r.stringArray('presets') };
  if (mode !== 'any') return r.fail(`"mode" should be "any" or "presets", got ${JSON.stringify(mode)}`);
  const max = r.nullableString('max');
  const maxMs = max === null ? null : parseDuration(max);
  if (maxMs === undefined) return r.fail(`"max" is not a duration like 365d: ${JSON.stringify(max)}`);
  return { mode, maxMs, allowsNever: r.boolean('allows_never', true) };
}

/** The `error` object of an error response, when there is one. */
export function wireError(value: unknown): { code?: string; message?: string; details?: Record<string, unknown> } {
  if (!isObject(value) || !isObject(value.error)) return {};
  const { code, message, details } = value.error;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
    ...(isObject(details) ? { details } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
