import type { StoreKey } from '../contract.js';
import { newerUse } from '../shared/last-use.js';

export interface PgKeyRow {
  seq: number;
  id: string;
  name: string;
  description: string;
  roles: string[];
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  metadata: Record<string, string>;
  version: number;
}

export const KEY_COLUMNS = 'seq, id, name, description, roles, prefix, created_at, expires_at, last_used_at, revoked_at, metadata, version';
export const INSERT_KEY = `INSERT INTO keys (id, name, description, roles, prefix, secret_hash, created_at, expires_at, metadata)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${KEY_COLUMNS}`;

export function keyFromPgRow(row: PgKeyRow, latestUse: number | undefined): StoreKey {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    roles: [...row.roles],
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: newerUse(row.last_used_at, latestUse),
    revokedAt: row.revoked_at,
    metadata: { ...row.metadata },
    version: row.version,
  };
}
