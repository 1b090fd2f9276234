import { readFile, unlink } from 'node:fs/promises';
import type { DeliverTarget } from '../core/model.js';
import type { KeySpec } from '../core/plan-types.js';
import { writeFileAtomic } from '../io/atomic-write.js';

/**
 * A create whose secret is not yet safely delivered. Written before the create is sent and removed once the
 * secret is in every sink, so a crash, a lost response or a failing sink leaves a record the next apply
 * finishes: it asks the key service to replay the create (same idempotency key) and delivers again.
 * It never holds a secret.
 */
export interface PendingDelivery {
  provider: string;
  idempotencyKey: string;
  spec: KeySpec;
  deliver: DeliverTarget[];
  secretsOut?: string;
  /** For a rotation: the old key, renamed aside, to retire once the secret is delivered. */
  retire?: { keyId: string; overlapMs: number };
  startedAt: number;
  /** Where the secret was saved when delivery failed. */
  recoveryFile?: string;
}

interface JournalFile {
  kind: 'keyplan-journal';
  version: 1;
  pending: PendingDelivery[];
}

/** The journal file, rewritten atomically; concurrent changes are batched into as few writes as possible. */
export class Journal {
  readonly path: string;
  readonly #entries = new Map<string, PendingDelivery>();
  #flushing: Promise<void> | undefined;
  #dirty = false;
  /** Entries were completed since the last write. */
  #stale = false;

  private constructor(path: string, entries: PendingDelivery[]) {
    this.path = path;
    for (const entry of entries) this.#entries.set(entry.idempotencyKey, entry);
  }

  static async open(path: string): Promise<Journal> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Journal(path, []);
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<JournalFile>;
    if (parsed.kind !== 'keyplan-journal' || !Array.isArray(parsed.pending)) throw new Error(`${path} is not a keyplan journal`);
    return new Journal(path, parsed.pending);
  }

  pending(): PendingDelivery[] {
    return [...this.#entries.values()];
  }

  has(idempotencyKey: string): boolean {
    return this.#entries.has(idempotencyKey);
  }

  async record(entry: PendingDelivery): Promise<void> {
    await this.recordAll([entry]);
  }

  /** Records a whole phase's creates in one write, before the first of them is sent. */
  async recordAll(entries: readonly PendingDelivery[]): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) this.#entries.set(entry.idempotencyKey, entry);
    await this.#flush();
  }

  /**
   * Forgets a delivered entry without writing: the file catches up at `settled()`. Should the process die
   * first, the next apply merely replays that create and delivers the same secret again.
   */
  complete(idempotencyKey: string): void {
    if (this.#entries.delete(idempotencyKey)) this.#stale = true;
  }

  /** Brings the file up to date with every entry recorded or completed so far. */
  async settled(): Promise<void> {
    if (!this.#stale) return;
    this.#stale = false;
    await this.#flush();
  }

  /** Resolves once the journal on disk includes every change made before the call. */
  async #flush(): Promise<void> {
    this.#dirty = true;
    while (this.#dirty) {
      if (this.#flushing) {
        await this.#flushing;
        continue;
      }
      this.#dirty = false;
      this.#flushing = this.#write().finally(() => {
        this.#flushing = undefined;
      });
      await this.#flushing;
    }
  }

  async #write(): Promise<void> {
    if (this.#entries.size === 0) {
      await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      return;
    }
    const file: JournalFile = { kind: 'keyplan-journal', version: 1, pending: this.pending() };
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  }
}
