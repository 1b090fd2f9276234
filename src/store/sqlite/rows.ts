/** A key as the store holds it. Never holds a secret or its hash. Times are epoch ms. */
export interface StoreKey {
  id: string;
  name: string;
  description: string;
  roles: string[];
  /** Non-secret start of the secret, shown in lists: `kp_ab12cd34`. */
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  metadata: Record<string, string>;
  /** Bumped on every change to the fields above except lastUsedAt; the ETag. */
  version: number;
}

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

/** The written last use, unless a newer one is still waiting in memory to be written. */
function newerUse(written: number | null, latestUse: number | undefined): number | null {
  return latestUse !== undefined && (written === null || latestUse > written) ? latestUse : written;
}
