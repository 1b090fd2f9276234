import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SecretBox } from './secrets.js';

/** How long a create can be replayed, and its secret kept (sealed). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

export interface IdempotentRecord {
  requestHash: string;
  keyId: string;
  secret: string;
}

interface IdempotencyRow {
  request_hash: string;
  key_id: string;
  sealed_secret: Buffer;
}

/**
 * Remembers creates made with an Idempotency-Key, per caller, for 24 hours:
 * the request's fingerprint, the key id and the secret sealed with AES-256-GCM.
 * Expired records are purged, so the sealed secret lives no longer than the window.
 */
export class IdempotencyRecords {
  readonly #box: SecretBox;
  readonly #get: Database.Statement<[string, string, number], IdempotencyRow>;
  readonly #insert: Database.Statement;
  readonly #purge: Database.Statement<[number]>;

  constructor(db: Database.Database, pepper: Buffer) {
    this.#box = new SecretBox(pepper);
    this.#get = db.prepare(
      'SELECT request_hash, key_id, sealed_secret FROM idempotency WHERE scope = ? AND idem_key = ? AND created_at > ?',
    );
    this.#insert = db.prepare(
      'INSERT INTO idempotency (scope, idem_key, request_hash, key_id, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#purge = db.prepare('DELETE FROM idempotency WHERE created_at <= ?');
  }

  find(scope: string, idempotencyKey: string, now: number): IdempotentRecord | undefined {
    const row = this.#get.get(scope, idempotencyKey, now - IDEMPOTENCY_WINDOW_MS);
    if (!row) return undefined;
    return {
      requestHash: row.request_hash,
      keyId: row.key_id,
      secret: this.#box.open(row.sealed_secret, context(scope, idempotencyKey, row.key_id)),
    };
  }

  remember(scope: string, idempotencyKey: string, record: IdempotentRecord, now: number): void {
    const sealed = this.#box.seal(record.secret, context(scope, idempotencyKey, record.keyId));
    this.#insert.run(scope, idempotencyKey, record.requestHash, record.keyId, sealed, now);
  }

  purgeExpired(now: number): number {
    return this.#purge.run(now - IDEMPOTENCY_WINDOW_MS).changes;
  }
}

function context(scope: string, idempotencyKey: string, keyId: string): string {
  return JSON.stringify([scope, idempotencyKey, keyId]);
}

/** A stable fingerprint of a create request: same fields, same fingerprint, whatever the key order. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(stableJson(request)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
