import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyplanError } from '../core/errors.js';
import type { UnfinishedCreate } from '../core/unfinished.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { displayPath } from '../io/display-path.js';

/**
 * A create whose secret is not yet safely delivered. Written before the create is sent and removed once the
 * secret is in every sink, so a crash, a lost response or a failing sink leaves a record the next plan
 * shows and the next apply finishes: it asks the key service to replay the create (same idempotency key) and
 * delivers to the targets keys.yaml declares then. It never holds a secret, nor where a secret went.
 */
export type PendingDelivery = UnfinishedCreate;

interface JournalFile {
  kind: 'keyplan-journal';
  version: 1;
  pending: PendingDelivery[];
}

/** The journal of the configuration whose state directory (see stateDirOf) is `stateDir`. */
export function openJournal(stateDir: string): Promise<Journal> {
  return Journal.open(join(stateDir, 'journal.json'));
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
      throw unreadable(path, (error as NodeJS.ErrnoException).code ?? 'read failed');
    }
    let parsed: Partial<JournalFile>;
    try {
      parsed = JSON.parse(text) as Partial<JournalFile>;
    } catch {
      throw unreadable(path, 'not valid JSON');
    }
    if (parsed?.kind !== 'keyplan-journal' || !Array.isArray(parsed.pending)) throw unreadable(path, 'not a keyplan journal');
    const entries = parsed.pending.map(entryFrom);
    if (entries.some((entry) => entry === undefined)) throw unreadable(path, 'an entry is damaged');
    return new Journal(path, entries as PendingDelivery[]);
  }

  pending(): PendingDelivery[] {
    return [...this.#entries.values()];
  }

  has(idempotencyKey: string): boolean {
    return this.#entries.has(idempotencyKey);
  }

  get(idempotencyKey: string): PendingDelivery | undefined {
    return this.#entries.get(idempotencyKey);
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
    try {
      if (this.#entries.size === 0) {
        await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        return;
      }
      const file: JournalFile = { kind: 'keyplan-journal', version: 1, pending: this.pending() };
      await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'write failed');
      throw new KeyplanError(
        `cannot write the apply journal ${displayPath(this.path)} (${code}): keyplan records each create there before sending it, so it stopped. Free space or fix permissions and run keyplan apply again.`,
      );
    }
  }
}

function unreadable(path: string, why: string): KeyplanError {
  return new KeyplanError(
    `cannot read the apply journal ${displayPath(path)} (${why}). It lists creates an interrupted apply left unfinished (never secrets): restore it, or move it aside to start afresh (a key whose secret it was still to deliver then needs a rotation).`,
  );
}

/** An entry as recorded, with only the fields keyplan reads (older journals also kept delivery targets: ignored). */
function entryFrom(raw: unknown): PendingDelivery | undefined {
  const entry = raw as Partial<PendingDelivery> | null;
  if (!entry || typeof entry.provider !== 'string' || typeof entry.idempotencyKey !== 'string' || typeof entry.spec?.name !== 'string' || typeof entry.startedAt !== 'number') return undefined;
  return {
    provider: entry.provider,
    idempotencyKey: entry.idempotencyKey,
    spec: entry.spec,
    startedAt: entry.startedAt,
    ...(entry.retire ? { retire: entry.retire } : {}),
    ...(typeof entry.keyId === 'string' ? { keyId: entry.keyId } : {}),
    ...(typeof entry.recoveryFile === 'string' ? { recoveryFile: entry.recoveryFile } : {}),
  };
}
