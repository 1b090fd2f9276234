import { hash, randomBytes } from 'node:crypto';
import type { AuthResult, StoreKey } from '../contract.js';
import { Authenticated } from './secrets.js';

/**
 * Authentication reuses a looked-up key row this long. Changes made through the store clear the cache at
 * once; a change by another process (or another instance sharing the PostgreSQL database) shows within this time.
 */
const AUTH_CACHE_MS = 1_000;
const AUTH_CACHE_MAX = 10_000;

/** How a store finds a presented secret's key again: its cache entry's name and its stored hash. */
export interface SecretLookup {
  cacheKey: string;
  hash: Buffer;
}

/**
 * Key rows looked up by secret, kept AUTH_CACHE_MS. An entry is named by a salted SHA-256 digest of the secret
 * under a random per-process salt (never the secret, never its stored hash): a repeated authentication within
 * the time costs that digest (a third of the HMAC under the pepper) and no database read. A row gets in only
 * after its stored hash matched the HMAC of the presented secret.
 */
/** The columns of a key row authentication reads, in either store. */
export interface CachedKeyRow {
  id: string;
  expires_at: number | null;
  revoked_at: number | null;
  secret_hash: Buffer;
}

export class AuthCache<Row extends { secret_hash: Buffer }> {
  readonly #salt = randomBytes(32).toString('base64');
  readonly #entries = new Map<string, { row: Row; cachedAt: number }>();

  /** The name of the cache entry of a presented secret. */
  keyOf(secret: string): string {
    return hash('sha256', this.#salt + secret, 'base64');
  }

  /** The row cached under `cacheKey` at most AUTH_CACHE_MS before `now`. */
  get(cacheKey: string, now: number): Row | undefined {
    const cached = this.#entries.get(cacheKey);
    return cached && now - cached.cachedAt < AUTH_CACHE_MS && now >= cached.cachedAt ? cached.row : undefined;
  }

  set(cacheKey: string, row: Row, now: number): void {
    if (this.#entries.size >= AUTH_CACHE_MAX) this.#entries.clear();
    this.#entries.set(cacheKey, { row, cachedAt: now });
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** What a store does for a key row a presented secret matched. */
export interface RowAdmission<Row> {
  recordUse(id: string, now: number): void;
  toKey(row: Row): StoreKey;
  permissionsOf(roles: readonly string[]): string[];
}

/**
 * The answer for the key row a presented secret matched, the same in every store: a revoked or expired key gets
 * nowhere; otherwise its use is recorded and the key comes back with its permissions and, when `remember`, the
 * lookup that found it (for authenticateAgain).
 */
export function admitRow<Row extends CachedKeyRow>(row: Row, cacheKey: string, now: number, remember: boolean, store: RowAdmission<Row>): AuthResult {
  if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
  if (row.expires_at !== null && row.expires_at <= now) return { ok: false, reason: 'expired' };
  store.recordUse(row.id, now);
  const key = store.toKey(row);
  const permissions = store.permissionsOf(key.roles);
  return remember ? new Authenticated(key, permissions, { cacheKey, hash: row.secret_hash }) : { ok: true, key, permissions };
}
