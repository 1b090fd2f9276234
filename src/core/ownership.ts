import { DEFAULT_OWNERSHIP, MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNERSHIP_KEY, OWNER_KEY, REVOKED_BY_KEY } from './model.js';
import type { DesiredKey, RemoteKey } from './model.js';

/** Metadata keyplan writes on a key so the marks survive the YAML block being removed. */
export const CONSUMERS_KEY = 'keyplan-consumers';
export const PREVENT_REVOKE_KEY = 'keyplan-prevent-revoke';
/** On a key renamed aside by a rotation: the name of the key that replaced it, and when it may be revoked. */
export const RETIRING_FOR_KEY = 'keyplan-retiring-for';
export const RETIRE_AT_KEY = 'keyplan-retire-at';
/** On a replacement created where nothing can be edited (retireMarks `on-replacement`): the key it replaces, and the overlap in ms. */
export const REPLACES_KEY = 'keyplan-replaces';
export const RETIRE_AFTER_KEY = 'keyplan-retire-after';

const KEYPLAN_KEYS = new Set([MANAGED_BY_KEY, OWNERSHIP_KEY, OWNER_KEY, CONSUMERS_KEY, PREVENT_REVOKE_KEY, RETIRING_FOR_KEY, RETIRE_AT_KEY, REVOKED_BY_KEY]);

export function isManaged(remote: RemoteKey): boolean {
  return remote.metadata[MANAGED_BY_KEY] === MANAGED_BY_VALUE;
}

/**
 * The `ownership:` of the configuration managing a key (DEFAULT_OWNERSHIP for a managed key with no mark,
 * as keys made before ownership existed are); undefined for a key keyplan does not manage.
 */
export function ownershipOf(remote: RemoteKey): string | undefined {
  return isManaged(remote) ? (remote.metadata[OWNERSHIP_KEY] ?? DEFAULT_OWNERSHIP) : undefined;
}

/** The ownership of a key another configuration manages; undefined for keys of `ownership` and unmanaged keys. */
export function managedElsewhere(remote: RemoteKey, ownership: string): string | undefined {
  const owner = ownershipOf(remote);
  return owner !== undefined && owner !== ownership ? owner : undefined;
}

/** The metadata a declared key should carry: what others wrote is kept, keyplan's own marks are set. */
export function desiredMetadata(desired: DesiredKey, current: Record<string, string> = {}, ownership: string = DEFAULT_OWNERSHIP): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(current)) if (!KEYPLAN_KEYS.has(key)) metadata[key] = value;
  metadata[MANAGED_BY_KEY] = MANAGED_BY_VALUE;
  // The default ownership carries no mark, so keys made before ownership existed need no edit.
  if (ownership !== DEFAULT_OWNERSHIP) metadata[OWNERSHIP_KEY] = ownership;
  if (desired.owner) metadata[OWNER_KEY] = desired.owner;
  if (desired.consumers.length > 0) metadata[CONSUMERS_KEY] = desired.consumers.join(',');
  if (desired.preventRevoke) metadata[PREVENT_REVOKE_KEY] = 'true';
  return sortKeys(metadata);
}

export function recordedConsumers(remote: RemoteKey): string[] {
  const value = remote.metadata[CONSUMERS_KEY];
  return value ? value.split(',').filter(Boolean) : [];
}

export function recordedPreventRevoke(remote: RemoteKey): boolean {
  return remote.metadata[PREVENT_REVOKE_KEY] === 'true';
}

/** Written on a key renamed aside until its replacement's secret is delivered. */
export const RETIRE_PENDING = 'pending-delivery';

/**
 * A key renamed aside by a rotation. retireAt null: its replacement's secret has not been delivered yet,
 * so it must not be revoked (a later apply finishes the delivery, then sets the time).
 */
export function retiringInfo(remote: RemoteKey): { replacedBy: string; retireAt: number | null } | undefined {
  const replacedBy = remote.metadata[RETIRING_FOR_KEY];
  if (!replacedBy) return undefined;
  const retireAt = Number(remote.metadata[RETIRE_AT_KEY]);
  return { replacedBy, retireAt: Number.isFinite(retireAt) ? retireAt : null };
}

export function retiringMetadata(remote: RemoteKey, replacedBy: string, retireAt: number | null): Record<string, string> {
  return sortKeys({ ...remote.metadata, [RETIRING_FOR_KEY]: replacedBy, [RETIRE_AT_KEY]: retireAt === null ? RETIRE_PENDING : String(retireAt) });
}

/** What a key carries once keyplan revokes it: its metadata and which ownership revoked it. */
export function revokedMetadata(remote: RemoteKey, ownership: string): Record<string, string> {
  return withSortedEntry(remote.metadata, REVOKED_BY_KEY, ownership);
}

/** `sortKeys({ ...record, [key]: value })`, built in one pass: a plan marks every key it revokes, 50,000 of them at 100,000 keys. */
function withSortedEntry(record: Record<string, string>, key: string, value: string): Record<string, string> {
  const result: Record<string, string> = {};
  let placed = false;
  for (const existing of Object.keys(record).sort()) {
    if (existing === key) continue;
    if (!placed && key < existing) {
      result[key] = value;
      placed = true;
    }
    result[existing] = record[existing] as string;
  }
  if (!placed) result[key] = value;
  return result;
}

export function sameMetadata(a: Record<string, string>, b: Record<string, string>): boolean {
  const aKeys = Object.keys(a);
  return aKeys.length === Object.keys(b).length && aKeys.every((key) => a[key] === b[key]);
}

/** The record with its keys in order: itself when they already are (every caller hands in a fresh record). */
export function sortKeys(record: Record<string, string>): Record<string, string> {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return record;
}
