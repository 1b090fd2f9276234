/**
 * Keystone application credentials as keyplan keys (no I/O). Keystone keeps a credential's name, description,
 * roles and expiry, nothing else, and never changes them: keyplan's marks go in a tag at the end of the
 * description (../description-tag.ts), with the time keyplan created it (Keystone records none). A credential
 * keyplan creates is named `<declared name>~<10 hex digits of its create>`, unique per user even while a rotation's
 * old and new credential both live; the declared name stays the key's identity.
 */
import { createHash } from 'node:crypto';
import type { Expiry, RemoteKey } from '../../core/model.js';
import { MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../../core/model.js';
import { REPLACES_KEY, RETIRE_AFTER_KEY, RETIRE_AT_KEY, RETIRING_FOR_KEY } from '../../core/ownership.js';
import { joinDescription, splitDescription } from '../description-tag.js';

export const CREATED_KEY = 'keyplan-created';
const GENERATED = /^(.+)~[0-9a-f]{10}$/;

export interface AppCredential {
  id: string;
  name: string;
  description: string | null;
  expires_at: string | null;
  unrestricted?: boolean | null;
  project_id?: string;
  roles: { id?: string; name: string }[];
  access_rules?: { service: string; method: string; path: string }[];
}

/** The Keystone name of the credential a create makes: the same for a repeated create (so a lost answer is found again). */
export function generatedName(declared: string, idempotencyKey: string): string {
  return `${declared}~${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 10)}`;
}

export function storedDescription(description: string, metadata: Record<string, string>, createdAt: number): string {
  return joinDescription(description, { ...metadata, [CREATED_KEY]: String(createdAt) });
}

/** Keystone answers `2027-06-30T12:00:00.000000` (UTC, no offset). */
export function parseKeystoneTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const at = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(at) ? at : null;
}

/** expires_at for a create: UTC only (Keystone refuses an offset such as +02:00), null for none. */
export function expiresAtFor(expires: Expiry | undefined, now: number): string | null {
  if (!expires || expires.kind === 'never') return null;
  const at = expires.kind === 'relative' ? now + expires.ms : expires.at;
  return new Date(at).toISOString();
}

interface Parsed {
  credential: AppCredential;
  key: RemoteKey;
  replaces?: { id: string; overlapMs: number };
}

function parse(credential: AppCredential): Parsed {
  const tagged = splitDescription(credential.description);
  const { [CREATED_KEY]: created, [REPLACES_KEY]: replaces, [RETIRE_AFTER_KEY]: retireAfter, ...metadata } = tagged.metadata;
  const managed = metadata[MANAGED_BY_KEY] === MANAGED_BY_VALUE;
  const generated = managed ? GENERATED.exec(credential.name) : null;
  const createdAt = Number(created);
  const key: RemoteKey = {
    id: credential.id,
    name: generated?.[1] ?? credential.name,
    description: tagged.description,
    roles: credential.roles.map((role) => role.name).sort(),
    prefix: '',
    // Keystone records no creation time: a credential keyplan did not create counts from the epoch (so it is old).
    createdAt: Number.isFinite(createdAt) ? createdAt : 0,
    expiresAt: parseKeystoneTime(credential.expires_at),
    lastUsedAt: null,
    lastUseUnknown: 'Keystone does not record it',
    revokedAt: null,
    metadata,
    etag: '',
    providerFields: {
      unrestricted: credential.unrestricted === true,
      ...(credential.access_rules?.length ? { access_rules: credential.access_rules.map(({ service, method, path }) => ({ service, method, path })) } : {}),
    },
  };
  const overlapMs = Number(retireAfter);
  return { credential, key, ...(replaces && Number.isFinite(overlapMs) ? { replaces: { id: replaces, overlapMs } } : {}) };
}

/**
 * The credentials as keys: one that a live replacement says it replaces is reported renamed aside and retiring
 * (for the replacement's name, at its creation plus the overlap), as a provider that can edit would have marked it.
 */
export function toRemoteKeys(credentials: readonly AppCredential[]): RemoteKey[] {
  const parsed = credentials.map(parse);
  const replacedBy = new Map<string, Parsed>();
  for (const item of parsed) if (item.replaces) replacedBy.set(item.replaces.id, item);
  return parsed.map(({ key }) => {
    const replacement = replacedBy.get(key.id);
    if (!replacement?.replaces) return key;
    const retireAt = replacement.key.createdAt + replacement.replaces.overlapMs;
    return {
      ...key,
      name: `${key.name.slice(0, 80)}.retiring-${key.id.slice(-12)}`,
      metadata: { ...key.metadata, [RETIRING_FOR_KEY]: replacement.key.name, [RETIRE_AT_KEY]: String(retireAt) },
    };
  });
}
