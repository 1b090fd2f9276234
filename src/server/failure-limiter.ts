/**
 * Counts failed authentications per client address in fixed one-minute
 * windows; past the limit the address is refused until its window ends.
 */
export class FailureLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly clock: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until the address may try again; 0 when it may now. */
  retryAfter(address: string): number {
    const window = this.#windows.get(address);
    const now = this.clock();
    if (!window || now - window.start >= this.windowMs || window.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  fail(address: string): void {
    const now = this.clock();
    const window = this.#windows.get(address);
    if (!window || now - window.start >= this.windowMs) {
      if (this.#windows.size > 10_000) this.#prune(now);
      this.#windows.set(address, { start: now, failures: 1 });
    } else window.failures++;
  }

  #prune(now: number): void {
    for (const [address, window] of this.#windows) if (now - window.start >= this.windowMs) this.#windows.delete(address);
  }
}
