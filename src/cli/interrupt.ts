/**
 * Ctrl-C and SIGTERM during apply. Before any change, or a second time: stop at once (exit 130); the journal
 * already records every create before it is sent. Once actions run, the first one aborts `signal`: no new
 * action starts, the running ones finish and are recorded.
 */
export class ApplyInterrupt {
  readonly #controller = new AbortController();
  #running = false;
  readonly #handler: (signal: NodeJS.Signals) => void;

  constructor(notify: (line: string) => void) {
    this.#handler = (signal) => {
      if (this.#running && !this.#controller.signal.aborted) {
        this.#controller.abort();
        notify(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: starting no new action; the running ones finish and are recorded. Press Ctrl-C again to stop at once.`);
        return;
      }
      process.stderr.write(this.#running ? `${signal}: stopped at once; run keyplan plan to see what is left.\n` : `${signal}: stopped before any change. Nothing was changed.\n`);
      process.exit(130);
    };
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Actions are about to start: from now on the first signal stops gracefully. */
  running(): void {
    this.#running = true;
  }

  dispose(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }
}
