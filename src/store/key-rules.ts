import type { RoleCatalog } from '../core/permissions.js';
import { StoreError, unprocessable } from './errors.js';
import { resolveExpiry } from './expiry.js';
import { requestFingerprint } from './idempotency.js';
import { keyFieldIssues } from './key-input.js';
import type { CreateKeyInput, KeyPatch } from './key-store.js';
import type { StoreKey } from './rows.js';
import type { CapabilitiesConfig, InPlaceField } from './service-config.js';

/** The rules every store applies the same way, whatever holds the rows. */

const MAX_IDEMPOTENCY_KEY = 255;

/** The fingerprint a replayed create must match; refuses a malformed idempotency key. */
export function createFingerprint(input: CreateKeyInput): string {
  const idempotencyKey = input.idempotencyKey;
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
    throw unprocessable([{ field: 'idempotency_key', message: `must be 1 to ${MAX_IDEMPOTENCY_KEY} characters` }]);
  }
  return requestFingerprint({
    name: input.name,
    description: input.description ?? '',
    roles: input.roles,
    expiresAt: input.expiresAt ?? null,
    expiresIn: input.expiresIn ?? null,
    metadata: input.metadata ?? {},
  });
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

/** Refuses a patch of fields the service does not edit in place, or with bad values. */
export function checkPatch(patch: KeyPatch, roles: RoleCatalog, capabilities: CapabilitiesConfig): void {
  const notEditable = (Object.keys(patch) as (keyof KeyPatch)[]).filter(
    (field) => patch[field] !== undefined && !capabilities.editableFields.includes(field as InPlaceField),
  );
  if (notEditable.length > 0) {
    throw unprocessable(notEditable.map((field) => ({ field, message: 'is not editable in place on this service' })));
  }
  const issues = keyFieldIssues(patch, new Set(roles.keys()));
  if (issues.length > 0) throw unprocessable(issues);
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

/** The permissions a set of roles grants (may include `*` or `ns:*`); unknown roles grant nothing. */
export function rolePermissions(catalog: RoleCatalog, roleNames: readonly string[]): string[] {
  const permissions = new Set<string>();
  for (const name of roleNames) for (const permission of catalog.get(name)?.permissions ?? []) permissions.add(permission);
  return [...permissions].sort();
}
