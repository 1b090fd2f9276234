import { hash, randomBytes } from 'node:crypto';

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
