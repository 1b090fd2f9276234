import type { RoleCatalog } from '../../core/permissions.js';
import { StoreError, unprocessable } from '../errors.js';
import { resolveExpiry } from './expiry.js';
import { requestFingerprint } from './idempotency.js';
import { keyFieldIssues } from './key-input.js';
import { normalizeKeyName } from './key-name.js';
import type { AuthResult, CreateKeyInput, KeyPatch, StoreKey, VerifyResult } from '../contract.js';
import { grants, permissionsBeyond } from './permissions.js';
import type { CapabilitiesConfig, InPlaceField } from '../config/service-config.js';

/** The rules every store applies the same way, whatever holds the rows. */

const MAX_IDEMPOTENCY_KEY = 255;

/** The name a create stores and compares (NFC), and the fingerprint a replayed create must match. */
export function createRequest(input: CreateKeyInput): { name: string; fingerprint: string } {
  const idempotencyKey = input.idempotencyKey;
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
    throw unprocessable([{ field: 'idempotency_key', message: `must be 1 to ${MAX_IDEMPOTENCY_KEY} characters` }]);
  }
  const name = typeof input.name === 'string' ? normalizeKeyName(input.name) : input.name;
  const fingerprint = requestFingerprint({
    name,
    description: input.description ?? '',
    roles: input.roles,
    expiresAt: input.expiresAt ?? null,
    expiresIn: input.expiresIn ?? null,
    metadata: input.metadata ?? {},
  });
  return { name, fingerprint };
}

export function differentRequest(): StoreError {
  return new StoreError('unprocessable', 'this Idempotency-Key was already used for a different request', {
    fields: [{ field: 'idempotency_key', message: 'was used with a different request body' }],
  });
}

/** Checks a create's fields; returns when the new key expires (null: never). */
export function checkCreate(input: CreateKeyInput, roles: RoleCatalog, capabilities: CapabilitiesConfig, now: number): number | null {
  const issues = keyFieldIssues({ name: input.name, description: input.description, roles: input.roles, metadata: input.metadata }, new Set(roles.keys()));
  if (input.roles === undefined) issues.push({ field: 'roles', message: 'is required' });
  if (input.name === undefined) issues.push({ field: 'name', message: 'is required' });
  if (issues.length > 0) throw unprocessable(issues);
  return resolveExpiry(input, capabilities.expiration, now);
}

/** Refuses a patch of fields the service does not edit in place, or with bad values; returns it with the name normalized. */
export function checkPatch(patch: KeyPatch, roles: RoleCatalog, capabilities: CapabilitiesConfig): KeyPatch {
  const notEditable = (Object.keys(patch) as (keyof KeyPatch)[]).filter(
    (field) => patch[field] !== undefined && !capabilities.editableFields.includes(field as InPlaceField),
  );
  if (notEditable.length > 0) {
    throw unprocessable(notEditable.map((field) => ({ field, message: 'is not editable in place on this service' })));
  }
  const issues = keyFieldIssues(patch, new Set(roles.keys()));
  if (issues.length > 0) throw unprocessable(issues);
  return patch.name === undefined ? patch : { ...patch, name: normalizeKeyName(patch.name) };
}

/** A 403 when `key` holds permissions beyond `within` (the caller's); nothing when `within` is absent (local). */
export function assertWithin(key: StoreKey, keyPermissions: readonly string[], within: readonly string[] | undefined, verb: 'change' | 'revoke' | 'give'): void {
  if (!within) return;
  const beyond = permissionsBeyond(within, keyPermissions);
  if (beyond.length === 0) return;
  const what = verb === 'give' ? 'cannot grant roles with permissions this key lacks' : `cannot ${verb} key ${key.id}: it holds permissions this key lacks`;
  throw new StoreError('forbidden', `${what}: ${beyond.join(', ')}`, { permission: beyond[0], permissions: beyond });
}

export function staleVersion(id: string, current: number): StoreError {
  return new StoreError('precondition_failed', `key ${id} changed since it was read (now version ${current})`, { current_etag: `"${current}"` });
}

export function revokedNotEditable(id: string): StoreError {
  return new StoreError('conflict', `key ${id} is revoked and cannot be edited`);
}

export function nameTaken(name: string, holderId: string): StoreError {
  return new StoreError('conflict', `an active key named "${name}" already exists (${holderId})`, { id: holderId, name });
}

export function noSuchKey(id: string): StoreError {
  return new StoreError('not_found', /^key_[0-9A-Z]{26}$/.test(id) ? `no key with id ${id}` : 'no key with that id');
}

/** The secret an idempotent retry may be given back: only for a live key, and only to the caller who sealed it. */
export function replayableSecret(key: StoreKey, secret: string | undefined, now: number): string {
  const label = `key ${key.id} ("${key.name}")`;
  const retry = 'a retry cannot return its secret; send a new Idempotency-Key to create a new key';
  if (key.revokedAt !== null) throw new StoreError('conflict', `this Idempotency-Key created ${label}, which has since been revoked; ${retry}`, { id: key.id, name: key.name, state: 'revoked' });
  if (key.expiresAt !== null && key.expiresAt <= now) throw new StoreError('conflict', `this Idempotency-Key created ${label}, which has since expired; ${retry}`, { id: key.id, name: key.name, state: 'expired' });
  if (secret === undefined) {
    throw new StoreError('conflict', `this Idempotency-Key created ${label}, but its secret was sealed under another credential and cannot be shown again; ${retry}`, { id: key.id, name: key.name, state: 'sealed' });
  }
  return secret;
}

/**
 * What every store checks, inside its transaction, before it edits `current`: the caller's privilege boundary
 * (on the key as it is and on any roles it gives), If-Match, and that a revoked key stays as it was.
 * Returns the fields the patch changes (empty: nothing to write).
 */
export function checkUpdate(
  current: StoreKey,
  patch: KeyPatch,
  permissionsOf: (roles: readonly string[]) => string[],
  options: { within?: readonly string[] | undefined; ifVersion?: number | undefined },
): string[] {
  assertWithin(current, permissionsOf(current.roles), options.within, 'change');
  if (patch.roles) assertWithin(current, permissionsOf(patch.roles), options.within, 'give');
  if (options.ifVersion !== undefined && options.ifVersion !== current.version) throw staleVersion(current.id, current.version);
  if (current.revokedAt !== null) throw revokedNotEditable(current.id);
  return changedFields(current, patch);
}

export function changedFields(current: StoreKey, patch: KeyPatch): string[] {
  const changed: string[] = [];
  if (patch.name !== undefined && patch.name !== current.name) changed.push('name');
  if (patch.description !== undefined && patch.description !== current.description) changed.push('description');
  if (patch.roles !== undefined && JSON.stringify(patch.roles) !== JSON.stringify(current.roles)) changed.push('roles');
  if (patch.metadata !== undefined && JSON.stringify(sorted(patch.metadata)) !== JSON.stringify(sorted(current.metadata))) changed.push('metadata');
  return changed;
}

function sorted(map: Record<string, string>): [string, string][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The key after the patch (fields left undefined are kept). */
export function patched(current: StoreKey, patch: KeyPatch): StoreKey {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as KeyPatch;
  return { ...current, ...defined };
}

/** The event details of an update: which fields changed, with their values before and after (keys never hold secrets). */
export function changeDetails(before: StoreKey, after: StoreKey, changed: string[]): Record<string, unknown> {
  const pick = (key: StoreKey) => Object.fromEntries(changed.map((field) => [field, key[field as keyof StoreKey]]));
  return { changed, before: pick(before), after: pick(after) };
}

/** The permissions a set of roles grants (may include `*` or `ns:*`); unknown roles grant nothing. */
export function rolePermissions(catalog: RoleCatalog, roleNames: readonly string[]): string[] {
  const permissions = new Set<string>();
  for (const name of roleNames) for (const permission of catalog.get(name)?.permissions ?? []) permissions.add(permission);
  return [...permissions].sort();
}

/** What a gateway asks: is this key valid, and (optionally) does it grant `permission`? */
export function verifyResult(auth: AuthResult, permission: string | undefined): VerifyResult {
  if (!auth.ok) return { valid: false, reason: auth.reason };
  if (permission !== undefined && !grants(auth.permissions, permission)) {
    return { valid: false, reason: 'missing_permission', key: auth.key, permissions: auth.permissions };
  }
  return { valid: true, key: auth.key, permissions: auth.permissions };
}

/** What the event of a created key records. */
export function createdDetails(name: string, roles: string[], expiresAt: number | null): Record<string, unknown> {
  return { name, roles, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() };
}
