import type Database from 'better-sqlite3';
import { IDEMPOTENCY_WINDOW_MS, sealContext } from '../shared/idempotency.js';
import { SecretBox } from '../shared/secrets.js';

export interface IdempotentRecord {
  requestHash: string;
  keyId: string;
  /** Undefined when the sealed copy cannot be opened with the credential given (or none was kept). */
  secret: string | undefined;
}

interface IdempotencyRow {
  request_hash: string;
  key_id: string;
  sealed_secret: Buffer;
}

/**
 * Remembers creates made with an Idempotency-Key, per caller, for 24 hours:
 * the request's fingerprint, the key id and the secret sealed with AES-256-GCM
 * under the calling credential (see SecretBox). Expired records are purged, and
 * the database runs with secure_delete, so the sealed copy lives no longer than the window.
 */
export class IdempotencyRecords {
  readonly #pepperBox: SecretBox;
  readonly #get: Database.Statement<[string, string, number], IdempotencyRow>;
  readonly #insert: Database.Statement;
  readonly #purge: Database.Statement<[number]>;
  readonly #forget: Database.Statement<[string]>;

  constructor(db: Database.Database, pepper: Buffer) {
    this.#pepperBox = SecretBox.forPepper(pepper);
    this.#get = db.prepare(
      'SELECT request_hash, key_id, sealed_secret FROM idempotency WHERE scope = ? AND idem_key = ? AND created_at > ?',
    );
    this.#insert = db.prepare(
      'INSERT INTO idempotency (scope, idem_key, request_hash, key_id, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#purge = db.prepare('DELETE FROM idempotency WHERE created_at <= ?');
    this.#forget = db.prepare("UPDATE idempotency SET sealed_secret = x'' WHERE key_id = ?");
  }

  /** `credential`: the caller's own secret the copy was sealed under; none for the embedded local store. */
  find(scope: string, idempotencyKey: string, now: number, credential?: string): IdempotentRecord | undefined {
    const row = this.#get.get(scope, idempotencyKey, now - IDEMPOTENCY_WINDOW_MS);
    if (!row) return undefined;
    return {
      requestHash: row.request_hash,
      keyId: row.key_id,
      secret: this.#box(credential).open(row.sealed_secret, sealContext(scope, idempotencyKey, row.key_id)),
    };
  }

  remember(scope: string, idempotencyKey: string, record: { requestHash: string; keyId: string; secret: string }, now: number, credential?: string): void {
    const sealed = this.#box(credential).seal(record.secret, sealContext(scope, idempotencyKey, record.keyId));
    this.#insert.run(scope, idempotencyKey, record.requestHash, record.keyId, sealed, now);
  }

  /** Wipes the sealed copy of a key's secret (once it is revoked), keeping the record so a retry is answered, not repeated. */
  forgetKey(keyId: string): void {
    this.#forget.run(keyId);
  }

  purgeExpired(now: number): number {
    return this.#purge.run(now - IDEMPOTENCY_WINDOW_MS).changes;
  }

  #box(credential: string | undefined): SecretBox {
    return credential === undefined ? this.#pepperBox : SecretBox.forCredential(credential);
  }
}
