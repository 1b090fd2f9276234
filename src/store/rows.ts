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

export function keyFromRow(row: KeyRow, latestUse: number | undefined): StoreKey {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    roles: JSON.parse(row.roles) as string[],
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: latestUse !== undefined && (row.last_used_at === null || latestUse > row.last_used_at) ? latestUse : row.last_used_at,
    revokedAt: row.revoked_at,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    version: row.version,
  };
}
