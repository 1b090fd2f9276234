/**
 * Coalesces last-use writes: at most one database write per key per
 * interval, while `latest` always answers with the newest use seen in memory.
 * `flushDue` runs on a timer; `flushAll` on close.
 */
export class LastUseTracker {
  readonly #latest = new Map<string, number>();
  readonly #writtenAt = new Map<string, number>();
  readonly #dirty = new Set<string>();

  constructor(
    private readonly write: (id: string, usedAt: number) => void,
    private readonly clock: () => number,
    readonly intervalMs = 60_000,
  ) {}

  record(id: string, usedAt: number): void {
    const previous = this.#latest.get(id);
    if (previous === undefined || usedAt > previous) this.#latest.set(id, usedAt);
    if (this.#isDue(id)) this.#flush(id);
    else this.#dirty.add(id);
  }

  latest(id: string): number | undefined {
    return this.#latest.get(id);
  }

  flushDue(): void {
    for (const id of this.#dirty) if (this.#isDue(id)) this.#flush(id);
  }

  flushAll(): void {
    for (const id of this.#dirty) this.#flush(id);
  }

  #isDue(id: string): boolean {
    const writtenAt = this.#writtenAt.get(id);
    return writtenAt === undefined || this.clock() - writtenAt >= this.intervalMs;
  }

  #flush(id: string): void {
    const usedAt = this.#latest.get(id);
    this.#dirty.delete(id);
    if (usedAt === undefined) return;
    this.write(id, usedAt);
    this.#writtenAt.set(id, this.clock());
  }
}
