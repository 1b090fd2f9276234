import { readFile, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Secret } from '../core/secret.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { acquireLock, describeHolder, releaseLock, thisProcess } from '../io/lock-file.js';
import { holdsVariables, mergeSecretFile, type SecretFileFormat } from './secret-file-format.js';

interface Waiting {
  name: string;
  /** null: remove the variable. */
  secret: Secret | null;
  settle: (error?: unknown) => void;
}

/**
 * Delivers secrets into one file (mode 0600), merged with what it holds. Deliveries that arrive while a
 * write is under way are batched into the next write, so a thousand creates do not rewrite the file a
 * thousand times; each delivery resolves only once its secret is on disk. Each read-merge-write holds the
 * file's lock (`<file>.lock`), so processes delivering into one file at once never drop each other's secrets.
 */
export class SecretFileWriter {
  readonly path: string;
  readonly #format: SecretFileFormat;
  #queue: Waiting[] = [];
  #writing = false;

  constructor(path: string, format: SecretFileFormat) {
    this.path = resolve(path);
    this.#format = format;
  }

  write(name: string, secret: Secret): Promise<void> {
    return this.#enqueue(name, secret);
  }

  /** Removes a variable; a file left with none is deleted (recovery files, once their secrets are delivered). */
  remove(name: string): Promise<void> {
    return this.#enqueue(name, null);
  }

  #enqueue(name: string, secret: Secret | null): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      this.#queue.push({ name, secret, settle: (error) => (error === undefined ? resolvePromise() : reject(error)) });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.#locked(async () => {
          const existing = await readFile(this.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return '';
            throw error;
          });
          const values = new Map(batch.map((w) => [w.name, w.secret === null ? null : w.secret.reveal()]));
          const merged = mergeSecretFile(this.#format, existing, values);
          if (holdsVariables(this.#format, merged)) await writeFileAtomic(this.path, merged, 0o600);
          else if (existing !== '') await unlink(this.path);
        });
        for (const waiting of batch) waiting.settle();
      } catch (error) {
        for (const waiting of batch) waiting.settle(error);
      }
    }
    this.#writing = false;
  }

  async #locked(work: () => Promise<void>): Promise<void> {
    const lockPath = `${this.path}.lock`;
    const holder = thisProcess('keyplan delivering a secret');
    const attempt = await acquireLock(lockPath, holder, LOCK_WAIT_MS, 20);
    if (!attempt.acquired) {
      const who = attempt.holder ? describeHolder(attempt.holder) : 'an unreadable lock';
      throw new Error(`the file is locked by ${who} for longer than ${LOCK_WAIT_MS / 1000} s (${lockPath}; remove it if that process is gone)`);
    }
    try {
      await work();
    } finally {
      await releaseLock(lockPath, holder.id);
    }
  }
}

/** How long a delivery waits for another process writing the same file. */
const LOCK_WAIT_MS = 60_000;

/** One writer per file for the whole apply, however many keys deliver into it. */
export class SecretFiles {
  readonly #writers = new Map<string, SecretFileWriter>();

  writer(path: string, format: SecretFileFormat): SecretFileWriter {
    const absolute = resolve(path);
    let writer = this.#writers.get(absolute);
    if (!writer) {
      writer = new SecretFileWriter(absolute, format);
      this.#writers.set(absolute, writer);
    }
    return writer;
  }
}
