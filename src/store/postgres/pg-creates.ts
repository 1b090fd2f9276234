import { Secret } from '../../core/secret.js';
import type { CreateKeyInput, StoreKey } from '../contract.js';
import { IDEMPOTENCY_WINDOW_MS, sealContext } from '../shared/idempotency.js';
import { newKeyId } from '../shared/ids.js';
import { createRequest, createdDetails, differentRequest, nameTaken, replayableSecret } from '../shared/key-rules.js';
import { KEY_SECRET_PREFIX, SecretBox, displayPrefix, generateSecret, hashSecret } from '../shared/secrets.js';
import { recordEvent, type PgDatabase } from './pg-database.js';
import { INSERT_KEY, KEY_COLUMNS, type PgKeyRow } from './pg-rows.js';
import { violates } from './pool.js';

export interface PgCreateDeps {
  pepper: Buffer;
  clock: () => number;
  toKey(row: PgKeyRow): StoreKey;
  /** The checked create's expiry (epoch ms, or null: never); throws the store's refusal. */
  expiryOf(input: CreateKeyInput, now: number): number | null;
}

/**
 * Creating keys on PostgreSQL. What one instance would do with a lock in memory is done by the database: the
 * partial unique index keeps active names unique across instances, and an advisory transaction lock per
 * Idempotency-Key makes concurrent retries on any instance replay one key.
 */
export class PgCreates {
  readonly #pepperBox: SecretBox;

  constructor(
    private readonly db: PgDatabase,
    private readonly deps: PgCreateDeps,
  ) {
    this.#pepperBox = SecretBox.forPepper(deps.pepper);
  }

  async create(input: CreateKeyInput): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    const { name, fingerprint } = createRequest(input);
    try {
      if (input.idempotencyKey === undefined) return await this.#createOnce(input, name);
      return await this.#createIdempotent(input, name, fingerprint, input.idempotencyKey);
    } catch (error) {
      // Another instance (or request) made an active key of this name first: the partial unique index said no.
      if (!violates(error, 'keys_active_name')) throw error;
      const holder = await this.db.query<{ id: string }>('SELECT id FROM keys WHERE name = $1 AND revoked_at IS NULL', [name]);
      throw nameTaken(name, holder[0]?.id ?? '(another key)');
    }
  }

  /** A create without an Idempotency-Key: one statement (purge expired replay copies, insert the key, record the event). */
  async #createOnce(input: CreateKeyInput, name: string): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    const now = this.deps.clock();
    const expiresAt = this.deps.expiryOf(input, now);
    const { values, plaintext } = this.#newKeyValues(input, name, now, expiresAt);
    const rows = await this.db.query<PgKeyRow>(
      `WITH purged AS (DELETE FROM idempotency WHERE created_at <= $10),
       k AS (${INSERT_KEY}),
       e AS (INSERT INTO events (at, actor, action, key_id, details) SELECT created_at, $11, 'key.created', id, $12::jsonb FROM k)
       SELECT ${KEY_COLUMNS} FROM k`,
      [...values, now - IDEMPOTENCY_WINDOW_MS, input.actor ?? 'local', JSON.stringify(createdDetails(name, input.roles, expiresAt))],
    );
    return { key: this.deps.toKey(rows[0] as PgKeyRow), secret: new Secret(plaintext), replayed: false };
  }

  /**
   * A create with an Idempotency-Key. Retries of one create, on any instance, queue on an advisory lock of
   * (caller, key); the first commits the key and its sealed replay copy, the others then find that record.
   */
  async #createIdempotent(input: CreateKeyInput, name: string, fingerprint: string, idempotencyKey: string): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    const actor = input.actor ?? 'local';
    const box = input.replayCredential === undefined ? this.#pepperBox : SecretBox.forCredential(input.replayCredential);
    await this.db.query('DELETE FROM idempotency WHERE created_at <= $1', [this.deps.clock() - IDEMPOTENCY_WINDOW_MS]);
    return this.db.transaction(async (client) => {
      const now = this.deps.clock();
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [JSON.stringify([actor, idempotencyKey])]);
      const earlier = await client.query<{ request_hash: string; key_id: string; sealed_secret: Buffer }>(
        'SELECT request_hash, key_id, sealed_secret FROM idempotency WHERE scope = $1 AND idem_key = $2 AND created_at > $3',
        [actor, idempotencyKey, now - IDEMPOTENCY_WINDOW_MS],
      );
      const record = earlier.rows[0];
      if (record) {
        if (record.request_hash !== fingerprint) throw differentRequest();
        const { rows } = await client.query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = $1`, [record.key_id]);
        if (rows[0]) {
          const key = this.deps.toKey(rows[0]);
          const secret = box.open(record.sealed_secret, sealContext(actor, idempotencyKey, record.key_id));
          return { key, secret: new Secret(replayableSecret(key, secret, now)), replayed: true };
        }
      }
      const expiresAt = this.deps.expiryOf(input, now);
      const taken = await client.query<{ id: string }>('SELECT id FROM keys WHERE name = $1 AND revoked_at IS NULL', [name]);
      if (taken.rows[0]) throw nameTaken(name, taken.rows[0].id);
      const { values, plaintext, id } = this.#newKeyValues(input, name, now, expiresAt);
      const { rows } = await client.query<PgKeyRow>(INSERT_KEY, values);
      await client.query(
        `INSERT INTO idempotency (scope, idem_key, request_hash, key_id, sealed_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (scope, idem_key) DO UPDATE SET request_hash = $3, key_id = $4, sealed_secret = $5, created_at = $6`,
        [actor, idempotencyKey, fingerprint, id, box.seal(plaintext, sealContext(actor, idempotencyKey, id)), now],
      );
      await recordEvent(client, { at: now, actor, action: 'key.created', keyId: id, details: createdDetails(name, input.roles, expiresAt) });
      return { key: this.deps.toKey(rows[0] as PgKeyRow), secret: new Secret(plaintext), replayed: false };
    });
  }

  /** A new key's secret and the values of INSERT_KEY ($1..$9). */
  #newKeyValues(input: CreateKeyInput, name: string, now: number, expiresAt: number | null): { values: unknown[]; plaintext: string; id: string } {
    const plaintext = generateSecret(KEY_SECRET_PREFIX);
    const id = newKeyId(now);
    const values = [
      id,
      name,
      input.description ?? '',
      JSON.stringify(input.roles),
      displayPrefix(plaintext),
      hashSecret(this.deps.pepper, plaintext),
      now,
      expiresAt,
      JSON.stringify(input.metadata ?? {}),
    ];
    return { values, plaintext, id };
  }
}
