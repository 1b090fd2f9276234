import { addressBucket } from './client-address.js';

/** Failed attempts allowed per minute before further failures are answered 429. */
export interface ThrottleLimits {
  /** Per client address (IPv6: per /64). */
  perAddress: number;
  /** Per key prefix tried (`kp_` and the 8 characters lists show): guesses aimed at one key. */
  perKeyPrefix: number;
  /** Across all clients: many addresses each staying under their own budget. */
  global: number;
  /** Failed POST /v1/verify lookups per calling (gateway) key. */
  perVerifyCaller: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = { perAddress: 20, perKeyPrefix: 10, global: 1000, perVerifyCaller: 600 };

const WINDOW_MS = 60_000;
const MAX_TRACKED = 50_000;

/** Fixed one-minute windows of failure counts per bucket, in bounded memory. */
class FailureBudget {
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly limit: number,
    private readonly clock: () => number,
  ) {}

  /** Counts one failure; the seconds to wait when the bucket was already over its budget, else 0. */
  fail(bucket: string): number {
    const now = this.clock();
    let window = this.#windows.get(bucket);
    if (!window || now - window.start >= WINDOW_MS || now < window.start) {
      if (this.#windows.size >= MAX_TRACKED) this.#prune(now);
      window = { start: now, failures: 0 };
      this.#windows.set(bucket, window);
    }
    window.failures++;
    return window.failures > this.limit ? Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)) : 0;
  }

  #prune(now: number): void {
    for (const [bucket, window] of this.#windows) if (now - window.start >= WINDOW_MS) this.#windows.delete(bucket);
    // Still full: a flood of distinct buckets. Forget them all rather than grow; the global budget still holds.
    if (this.#windows.size >= MAX_TRACKED) this.#windows.clear();
  }
}

/**
 * Throttles failed authentication, never a valid credential: it is consulted only
 * after a credential failed, and decides between 401 (0) and 429 (seconds to wait).
 * Checking a key is one keyed hash and an index lookup, so looking up a guess costs
 * no more than refusing it unseen, and a valid key is never locked out by someone
 * else's failures (behind a proxy, every client shares one address).
 */
export class AuthThrottle {
  readonly #address: FailureBudget;
  readonly #prefix: FailureBudget;
  readonly #global: FailureBudget;
  readonly #verifier: FailureBudget;

  constructor(limits: Partial<ThrottleLimits> = {}, clock: () => number = Date.now) {
    const all = { ...DEFAULT_THROTTLE_LIMITS, ...limits };
    this.#address = new FailureBudget(all.perAddress, clock);
    this.#prefix = new FailureBudget(all.perKeyPrefix, clock);
    this.#global = new FailureBudget(all.global, clock);
    this.#verifier = new FailureBudget(all.perVerifyCaller, clock);
  }

  /** A failed authentication from `address` presenting `token` (maybe none): seconds to wait (429), or 0 (401). */
  failedAuthentication(address: string | undefined, token: string | undefined): number {
    const waits = [this.#address.fail(addressBucket(address)), this.#global.fail('all')];
    if (token?.startsWith('kp_')) waits.push(this.#prefix.fail(token.slice(0, 11)));
    return Math.max(...waits);
  }

  /** A POST /v1/verify whose presented key failed, charged to the calling key: seconds to wait, or 0. */
  failedLookup(callerId: string): number {
    return this.#verifier.fail(callerId);
  }
}
