/**
 * Coalesces last-use writes: at most one database write per key per
 * interval, while `latest` always answers with the newest use seen in memory.
 * `flushDue` runs on a timer; `flushAll` on close.
 *
 * Best effort: a failed write never fails the authentication that caused it.
 * The use stays pending and is retried by the next `flushDue`; while writes
 * fail, none is attempted on the request path. A failure is reported once,
 * and again the recovery, never once per request.
 */
export class LastUseTracker {
  readonly #latest = new Map<string, number>();
  readonly #writtenAt = new Map<string, number>();
  readonly #dirty = new Set<string>();
  #failing = false;

  constructor(
    private readonly write: (id: string, usedAt: number) => void,
    private readonly clock: () => number,
    readonly intervalMs = 60_000,
    private readonly report: (line: string) => void = () => undefined,
  ) {}

  record(id: string, usedAt: number): void {
    const previous = this.#latest.get(id);
    if (previous === undefined || usedAt > previous) this.#latest.set(id, usedAt);
    if (!this.#failing && this.#isDue(id)) this.#flush(id);
    else this.#dirty.add(id);
  }

  latest(id: string): number | undefined {
    return this.#latest.get(id);
  }

  /** Whether writes are failing now (e.g. the disk is full). */
  get failing(): boolean {
    return this.#failing;
  }

  flushDue(): void {
    for (const id of this.#dirty) if (this.#isDue(id) && !this.#flush(id)) return;
  }

  flushAll(): void {
    for (const id of this.#dirty) if (!this.#flush(id)) return;
  }

  #isDue(id: string): boolean {
    const writtenAt = this.#writtenAt.get(id);
    return writtenAt === undefined || this.clock() - writtenAt >= this.intervalMs;
  }

  /** False when the write failed (the use stays pending). */
  #flush(id: string): boolean {
    const usedAt = this.#latest.get(id);
    this.#dirty.delete(id);
    if (usedAt === undefined) return true;
    try {
      this.write(id, usedAt);
    } catch (error) {
      this.#dirty.add(id);
      if (!this.#failing) this.report(`recording last use failed, will retry: ${error instanceof Error ? error.message : String(error)}`);
      this.#failing = true;
      return false;
    }
    if (this.#failing) this.report('recording last use works again');
    this.#failing = false;
    this.#writtenAt.set(id, this.clock());
    return true;
  }
}

/** The written last use, unless a newer one is still waiting in memory to be written. */
export function newerUse(written: number | null, latestUse: number | undefined): number | null {
  return latestUse !== undefined && (written === null || latestUse > written) ? latestUse : written;
}
