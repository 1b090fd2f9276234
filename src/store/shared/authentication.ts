import type { AuthResult } from '../contract.js';
import { AuthCache, admitRow, type CachedKeyRow, type RowAdmission, type SecretLookup } from './auth-cache.js';
import { Authenticated, hashSecret, isKeySecretShaped, sameHash } from './secrets.js';

/** A presented secret whose key row must be read from the database: by `hash`, then handed to `finish`. */
export interface PendingLookup {
  readonly hash: Buffer;
  readonly cacheKey: string;
  readonly now: number;
  readonly remember: boolean;
}

/** Either the answer (from the shape of the secret or the cache), or the lookup the store must make. */
export type AuthStep = { answer: AuthResult } | { lookup: PendingLookup };

const UNKNOWN: { answer: AuthResult } = { answer: { ok: false, reason: 'unknown' } };

/**
 * Authentication, written once for every store. `begin` refuses what is not shaped as a key secret, answers
 * from the cache of recent lookups, or names the hash (under the pepper) whose row the store reads; `finish`
 * compares that row's hash in constant time and admits or refuses the key. A store supplies only the read:
 *
 *     const step = auth.begin(secret);
 *     return 'answer' in step ? step.answer : auth.finish(step.lookup, readRowByHash(step.lookup.hash));
 */
export class Authenticator<Row extends CachedKeyRow> {
  readonly #cache = new AuthCache<Row>();

  constructor(
    private readonly pepper: Buffer,
    private readonly clock: () => number,
    private readonly admission: RowAdmission<Row>,
  ) {}

  /** A presented secret; `remember`: a successful answer keeps its lookup for `again` (verify keeps none). */
  begin(secret: string, remember = true): AuthStep {
    if (!isKeySecretShaped(secret)) return UNKNOWN;
    return this.#step(this.#cache.keyOf(secret), () => hashSecret(this.pepper, secret), remember);
  }

  /** The secret behind `previous`, a successful answer of this authenticator, without hashing it again. */
  again(previous: AuthResult): AuthStep {
    const lookup = Authenticated.lookupOf<SecretLookup>(previous);
    return lookup ? this.#step(lookup.cacheKey, () => lookup.hash, true) : UNKNOWN;
  }

  finish(lookup: PendingLookup, row: Row | undefined): AuthResult {
    if (!row || !sameHash(row.secret_hash, lookup.hash)) return { ok: false, reason: 'unknown' };
    this.#cache.set(lookup.cacheKey, row, lookup.now);
    return admitRow(row, lookup.cacheKey, lookup.now, lookup.remember, this.admission);
  }

  /** Forgets cached rows: after a change made through this store. */
  clear(): void {
    this.#cache.clear();
  }

  #step(cacheKey: string, hash: () => Buffer, remember: boolean): AuthStep {
    const now = this.clock();
    const cached = this.#cache.get(cacheKey, now);
    if (cached) return { answer: admitRow(cached, cacheKey, now, remember, this.admission) };
    return { lookup: { hash: hash(), cacheKey, now, remember } };
  }
}
