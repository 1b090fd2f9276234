import type { StoreKey } from '../contract.js';
import { newerUse } from '../shared/last-use.js';

export interface KeyRow {
  seq: number;
  id: string;
  name: string;
  description: string;
  roles: string;
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  metadata: string;
  version: number;
}

/** Every column but the secret hash, which never leaves the store. */
export const KEY_COLUMNS =
  'seq, id, name, description, roles, prefix, created_at, expires_at, last_used_at, revoked_at, metadata, version';

/** A row as KEY_COLUMNS lists it, from a raw statement: listing skips building an object with named columns per row. */
export type KeyValues = [
  seq: number,
  id: string,
  name: string,
  description: string,
  roles: string,
  prefix: string,
  created_at: number,
  expires_at: number | null,
  last_used_at: number | null,
  revoked_at: number | null,
  metadata: string,
  version: number,
];

export function keyFromRow(row: KeyRow, latestUse: number | undefined): StoreKey {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    roles: JSON.parse(row.roles) as string[],
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: newerUse(row.last_used_at, latestUse),
    revokedAt: row.revoked_at,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    version: row.version,
  };
}

export function keyFromValues(values: KeyValues, latestUse: number | undefined): StoreKey {
  const [, id, name, description, roles, prefix, createdAt, expiresAt, lastUsedAt, revokedAt, metadata, version] = values;
  return {
    id,
    name,
    description,
    roles: JSON.parse(roles) as string[],
    prefix,
    createdAt,
    expiresAt,
    lastUsedAt: newerUse(lastUsedAt, latestUse),
    revokedAt,
    metadata: JSON.parse(metadata) as Record<string, string>,
    version,
  };
}
