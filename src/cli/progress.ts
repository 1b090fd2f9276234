/**
 * A line per settled action, and on a terminal a live "[12/400]" status line beneath them for long runs.
 * Off a terminal (CI logs) only the lines are written.
 */
export class ProgressReporter {
  #done = 0;
  #total = 0;
  readonly #live: boolean;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.#live = Boolean(stream.isTTY);
  }

  start(total: number): void {
    this.#done = 0;
    this.#total = total;
    this.#status();
  }

  line(text: string): void {
    this.#clear();
    this.stream.write(`${text}\n`);
  }

  settled(text: string): void {
    this.#done += 1;
    this.line(text);
    this.#status();
  }

  finish(): void {
    this.#clear();
    this.#total = 0;
  }

  #status(): void {
    if (this.#live && this.#total >= 10 && this.#done < this.#total) this.stream.write(`[${this.#done}/${this.#total}] applying…`);
  }

  #clear(): void {
    if (this.#live && this.#total >= 10) this.stream.write('\r\u001b[2K');
  }
}
