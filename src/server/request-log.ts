/** Pending text past this size is written at once rather than at the end of the event loop turn. */
const MAX_PENDING_CHARS = 64 * 1024;

/**
 * Log lines, each `<ISO time> <text>`, written in batches: the lines of one turn of the event loop go out in one
 * write at its end (a busy server answers many requests per turn), in the order they were logged. `flush` writes
 * what is pending at once; `keyplan serve` calls it before its own messages, at shutdown and at exit, so no line
 * is lost or reordered. The time is taken when a line is logged, not when it is written.
 */
export class BufferedLog {
  #pending = '';
  #scheduled = false;
  #stampMs = Number.NaN;
  #stamp = '';

  constructor(private readonly write: (text: string) => void) {}

  /** Logs one line (without its newline). */
  readonly line = (text: string): void => {
    this.#pending += `${this.#now()} ${text}\n`;
    if (this.#pending.length >= MAX_PENDING_CHARS) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushScheduled);
    }
  };

  /** Writes the pending lines now. */
  flush(): void {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.write(text);
  }

  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    try {
      this.flush();
    } catch {
      // A log that cannot be written (a closed stderr) loses these lines, as a failed write per line did; the
      // server goes on serving.
    }
  };

  /** The ISO time stamp, made once per millisecond. */
  #now(): string {
    const ms = Date.now();
    if (ms !== this.#stampMs) {
      this.#stampMs = ms;
      this.#stamp = new Date(ms).toISOString();
    }
    return this.#stamp;
  }
}
