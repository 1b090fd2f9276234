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
/** When the replacement's secret was delivered: use of the old key after it means its consumers have not switched. */
export const REPLACEMENT_DELIVERED_KEY = 'keyplan-replacement-delivered-at';

/** On a live key a configuration let go of (`release:`): the ownership that released it, for the one taking it over. */
export const RELEASED_BY_KEY = 'keyplan-released-by';

const KEYPLAN_KEYS = new Set([RELEASED_BY_KEY, MANAGED_BY_KEY, OWNERSHIP_KEY, OWNER_KEY, CONSUMERS_KEY, PREVENT_REVOKE_KEY, RETIRING_FOR_KEY, RETIRE_AT_KEY, REPLACEMENT_DELIVERED_KEY, REVOKED_BY_KEY]);

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

/**
 * Written on a key at its create and removed once every sink confirmed its secret: kept on the key service,
 * so a runner that vanished with its disk (and its journal) leaves a mark any later plan sees.
 */
export const DELIVERY_KEY = 'keyplan-delivery';
export const DELIVERY_PENDING = 'pending';
/** Set by the apply that created the key once a sink refused its secret (it sits in that run's recovery file). */
export const DELIVERY_FAILED = 'failed';
/**
 * How long a pending mark may stand for an apply still delivering the secret (another checkout's, racing
 * this one): within it such a key is not rotated; after it, the apply is taken to have died mid-delivery.
 */
export const DELIVERY_GRACE_MS = 10 * 60_000;

export function isUndelivered(remote: RemoteKey): boolean {
  const mark = remote.metadata[DELIVERY_KEY];
  return mark === DELIVERY_PENDING || mark === DELIVERY_FAILED;
}

/** A key another apply created moments ago and may still be delivering (its mark is pending, not failed). */
export function isBeingDelivered(remote: RemoteKey, now: number): boolean {
  return remote.metadata[DELIVERY_KEY] === DELIVERY_PENDING && now - remote.createdAt < DELIVERY_GRACE_MS;
}

export function withFailedDeliveryMark(metadata: Record<string, string>): Record<string, string> {
  return withSortedEntry(metadata, DELIVERY_KEY, DELIVERY_FAILED);
}

export function withDeliveryMark(metadata: Record<string, string>): Record<string, string> {
  return withSortedEntry(metadata, DELIVERY_KEY, DELIVERY_PENDING);
}

export function withoutDeliveryMark(metadata: Record<string, string>): Record<string, string> {
  if (!(DELIVERY_KEY in metadata)) return metadata;
  const { [DELIVERY_KEY]: _mark, ...rest } = metadata;
  return rest;
}

/** Written on a key renamed aside until its replacement's secret is delivered. */
export const RETIRE_PENDING = 'pending-delivery';

/**
 * A key renamed aside by a rotation. retireAt null: its replacement's secret has not been delivered yet,
 * so it must not be revoked (a later apply finishes the delivery, then sets the time).
 */
export function retiringInfo(remote: RemoteKey): { replacedBy: string; retireAt: number | null; deliveredAt?: number } | undefined {
  const replacedBy = remote.metadata[RETIRING_FOR_KEY];
  if (!replacedBy) return undefined;
  const retireAt = Number(remote.metadata[RETIRE_AT_KEY]);
  const deliveredAt = Number(remote.metadata[REPLACEMENT_DELIVERED_KEY] ?? Number.NaN);
  return { replacedBy, retireAt: Number.isFinite(retireAt) ? retireAt : null, ...(Number.isFinite(deliveredAt) ? { deliveredAt } : {}) };
}

export function retiringMetadata(remote: RemoteKey, replacedBy: string, retireAt: number | null, deliveredAt?: number): Record<string, string> {
  const delivered: Record<string, string> = deliveredAt === undefined ? {} : { [REPLACEMENT_DELIVERED_KEY]: String(deliveredAt) };
  return sortKeys({ ...remote.metadata, [RETIRING_FOR_KEY]: replacedBy, [RETIRE_AT_KEY]: retireAt === null ? RETIRE_PENDING : String(retireAt), ...delivered });
}

/** A released key's metadata: what others wrote, without this ownership's marks, and who released it. */
export function releasedMetadata(remote: RemoteKey, ownership: string): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(remote.metadata)) if (!KEYPLAN_KEYS.has(key)) metadata[key] = value;
  metadata[RELEASED_BY_KEY] = ownership;
  return sortKeys(metadata);
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
