import type pg from 'pg';
import { KeyplanError } from '../../core/errors.js';
import { Secret } from '../../core/secret.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import { AuthCache, admitRow, type RowAdmission, type SecretLookup } from '../shared/auth-cache.js';
import type { StoreEvent } from '../sqlite/events.js';
import { IDEMPOTENCY_WINDOW_MS, sealContext } from '../shared/idempotency.js';
import { newKeyId } from '../shared/ids.js';
import type { AuthResult, ChangeOptions, CreateKeyInput, KeyPatch, KeyStoreOptions, VerifyResult } from '../sqlite/key-store.js';
import {
  checkCreate,
  checkPatch,
  assertWithin,
  changeDetails,
  createRequest,
  replayableSecret,
  differentRequest,
  nameTaken,
  noSuchKey,
  patched,
  staleVersion,
  verifyResult,
  checkUpdate,
} from '../shared/key-rules.js';
import { LastUseTracker } from '../shared/last-use.js';
import { requiredPepper, wrongPepper } from '../shared/pepper-check.js';
import { pepperCheckValue } from '../sqlite/pepper-file.js';
import type { StoreKey } from '../sqlite/rows.js';
import { Authenticated, KEY_SECRET_PREFIX, SHARED_SECRET_PREFIX, SecretBox, displayPrefix, generateSecret, hashSecret, isKeySecretShaped, sameHash } from '../shared/secrets.js';
import type { SharedSecretInfo } from '../sqlite/shared-secret.js';
import type { Store, UpdateKeyOptions } from '../contract.js';
import { StoreConfig } from '../config/store-config.js';
import { migratePostgres } from './migrations.js';
import { createPool, describeUrl, isUnavailable, unavailable, violates, type PgPoolOptions } from './pool.js';

/** The SQLite store's options (roles, capabilities, clock, pepper, last-use interval, log) and the pool's. The pepper
 * defaults to KEYPLAN_PEPPER and is required: there is no file beside the database. */
export type PgStoreOptions = KeyStoreOptions & PgPoolOptions;

interface PgKeyRow {
  seq: number;
  id: string;
  name: string;
  description: string;
  roles: string[];
  prefix: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  metadata: Record<string, string>;
  version: number;
}

const KEY_COLUMNS = 'seq, id, name, description, roles, prefix, created_at, expires_at, last_used_at, revoked_at, metadata, version';
const INSERT_KEY = `INSERT INTO keys (id, name, description, roles, prefix, secret_hash, created_at, expires_at, metadata)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${KEY_COLUMNS}`;
const MAINTENANCE_INTERVAL_MS = 15_000;

/**
 * The key store on PostgreSQL, shared by several `keyplan serve` instances. What one instance would do
 * with a lock in memory is done by the database: a partial unique index keeps active names unique, an
 * advisory transaction lock per Idempotency-Key makes concurrent retries on any instance replay one key,
 * updates lock the row and bump its version, and last use only ever moves forward (GREATEST).
 */
export class PgStore extends StoreConfig implements Store {
  readonly kind = 'postgres';
  readonly location: string;
  readonly created: boolean;
  readonly #pool: pg.Pool;
  readonly #pepper: Buffer;
  readonly #pepperBox: SecretBox;
  readonly #clock: () => number;
  readonly #lastUse: LastUseTracker;
  readonly #admission: RowAdmission<PgKeyRow & { secret_hash: Buffer }> = {
    recordUse: (id, now) => this.#lastUse.record(id, now),
    toKey: (row) => this.#toKey(row),
    permissionsOf: (roles) => this.permissionsOf(roles),
  };
  readonly #log: (line: string) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #authCache = new AuthCache<PgKeyRow & { secret_hash: Buffer }>();
  readonly #pendingWrites = new Set<Promise<void>>();
  readonly #logged = new Set<string>();
  #closed = false;
  #lastUseFailing = false;

  private constructor(pool: pg.Pool, location: string, pepper: Buffer, options: PgStoreOptions, log: (line: string) => void, created: boolean) {
    super(options);
    this.created = created;
    this.#pool = pool;
    this.location = location;
    this.#pepper = pepper;
    this.#pepperBox = SecretBox.forPepper(pepper);
    this.#clock = options.clock ?? Date.now;
    this.#log = log;
    this.#lastUse = new LastUseTracker((id, usedAt) => this.#writeLastUse(id, usedAt), this.#clock, options.lastUseWriteIntervalMs);
    this.#timer = setInterval(() => void this.#maintain(), options.maintenanceIntervalMs ?? MAINTENANCE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Connects, migrates (under an advisory lock) and checks the pepper against the database's check value. */
  static async open(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
    const location = describeUrl(url);
    const { pepper, source } = requiredPepper(options.pepper, location);
    const log = options.log ?? (() => undefined);
    const logged = new Set<string>();
    const pool = createPool(url, options, (error) => {
      const line = `database connection lost while idle: ${(error as { code?: string }).code ?? error.message}`;
      if (!logged.has(line)) log(line);
      logged.add(line);
    });
    try {
      const migrated = await migratePostgres(pool, location);
      const check = pepperCheckValue(pepper).toString('base64');
      await pool.query("INSERT INTO settings (name, value) VALUES ('pepper_check', $1) ON CONFLICT (name) DO NOTHING", [check]);
      const { rows } = await pool.query<{ value: string }>("SELECT value FROM settings WHERE name = 'pepper_check'");
      if (rows[0]?.value !== check) throw wrongPepper(location, source);
      return new PgStore(pool, location, pepper, options, log, migrated.from === 0);
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof KeyplanError || !(error instanceof Error)) throw error;
      throw new KeyplanError(`cannot open ${location}: ${error.message || ((error as { code?: string }).code ?? error.name)}`);
    }
  }

  async listKeys(options: { limit: number; cursor?: string; includeRevoked?: boolean }): Promise<{ keys: StoreKey[]; nextCursor: string | null }> {
    const after = decodeCursor(options.cursor);
    const where = options.includeRevoked ? 'seq > $1' : 'seq > $1 AND revoked_at IS NULL';
    const rows = await this.#query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE ${where} ORDER BY seq LIMIT $2`, [after, options.limit + 1]);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return { keys: page.map((row) => this.#toKey(row)), nextCursor: rows.length > options.limit && last ? encodeCursor(last.seq) : null };
  }

  async getKey(id: string): Promise<StoreKey | undefined> {
    const rows = await this.#query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = $1`, [id]);
    return rows[0] && this.#toKey(rows[0]);
  }

  async createKey(input: CreateKeyInput): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    const { name, fingerprint } = createRequest(input);
    try {
      if (input.idempotencyKey === undefined) return await this.#createOnce(input, name);
      return await this.#createIdempotent(input, name, fingerprint, input.idempotencyKey);
    } catch (error) {
      // Another instance (or request) made an active key of this name first: the partial unique index said no.
      if (!violates(error, 'keys_active_name')) throw error;
      const holder = await this.#query<{ id: string }>('SELECT id FROM keys WHERE name = $1 AND revoked_at IS NULL', [name]);
      throw nameTaken(name, holder[0]?.id ?? '(another key)');
    }
  }

  /** A create without an Idempotency-Key: one statement (purge expired replay copies, insert the key, record the event). */
  async #createOnce(input: CreateKeyInput, name: string): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    const now = this.#clock();
    const expiresAt = checkCreate(input, this.roleMap, this.capabilityConfig, now);
    const { values, plaintext } = this.#newKeyValues(input, name, now, expiresAt);
    const rows = await this.#query<PgKeyRow>(
      `WITH purged AS (DELETE FROM idempotency WHERE created_at <= $10),
       k AS (${INSERT_KEY}),
       e AS (INSERT INTO events (at, actor, action, key_id, details) SELECT created_at, $11, 'key.created', id, $12::jsonb FROM k)
       SELECT ${KEY_COLUMNS} FROM k`,
      [...values, now - IDEMPOTENCY_WINDOW_MS, input.actor ?? 'local', JSON.stringify(createdDetails(name, input.roles, expiresAt))],
    );
    return { key: this.#toKey(rows[0] as PgKeyRow), secret: new Secret(plaintext), replayed: false };
  }

  /**
   * A create with an Idempotency-Key. Retries of one create, on any instance, queue on an advisory lock of
   * (caller, key); the first commits the key and its sealed replay copy, the others then find that record.
   */
  async #createIdempotent(input: CreateKeyInput, name: string, fingerprint: string, idempotencyKey: string): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    const actor = input.actor ?? 'local';
    const box = input.replayCredential === undefined ? this.#pepperBox : SecretBox.forCredential(input.replayCredential);
    await this.#query('DELETE FROM idempotency WHERE created_at <= $1', [this.#clock() - IDEMPOTENCY_WINDOW_MS]);
    return this.#transaction(async (client) => {
      const now = this.#clock();
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
          const key = this.#toKey(rows[0]);
          const secret = box.open(record.sealed_secret, sealContext(actor, idempotencyKey, record.key_id));
          return { key, secret: new Secret(replayableSecret(key, secret, now)), replayed: true };
        }
      }
      const expiresAt = checkCreate(input, this.roleMap, this.capabilityConfig, now);
      await this.#assertNameFree(client, name);
      const { values, plaintext, id } = this.#newKeyValues(input, name, now, expiresAt);
      const { rows } = await client.query<PgKeyRow>(INSERT_KEY, values);
      await client.query(
        `INSERT INTO idempotency (scope, idem_key, request_hash, key_id, sealed_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (scope, idem_key) DO UPDATE SET request_hash = $3, key_id = $4, sealed_secret = $5, created_at = $6`,
        [actor, idempotencyKey, fingerprint, id, box.seal(plaintext, sealContext(actor, idempotencyKey, id)), now],
      );
      await recordEvent(client, { at: now, actor, action: 'key.created', keyId: id, details: createdDetails(name, input.roles, expiresAt) });
      return { key: this.#toKey(rows[0] as PgKeyRow), secret: new Secret(plaintext), replayed: false };
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
      hashSecret(this.#pepper, plaintext),
      now,
      expiresAt,
      JSON.stringify(input.metadata ?? {}),
    ];
    return { values, plaintext, id };
  }

  async updateKey(id: string, requested: KeyPatch, options: UpdateKeyOptions = {}): Promise<StoreKey> {
    const patch = checkPatch(requested, this.roleMap, this.capabilityConfig);
    const key = await this.#transaction(async (client) => {
      const current = await this.#lockKey(client, id);
      const changed = checkUpdate(current, patch, (roles) => this.permissionsOf(roles), options);
      if (changed.length === 0) return current;
      if (patch.name !== undefined && patch.name !== current.name) await this.#assertNameFree(client, patch.name);
      const next = patched(current, patch);
      const { rows } = await client.query<PgKeyRow>(
        `UPDATE keys SET name = $3, description = $4, roles = $5, metadata = $6, version = version + 1
         WHERE id = $1 AND version = $2 RETURNING ${KEY_COLUMNS}`,
        [id, current.version, next.name, next.description, JSON.stringify(next.roles), JSON.stringify(next.metadata)],
      ).catch((error: unknown) => {
        throw violates(error, 'keys_active_name') ? nameTaken(next.name, '(another key)') : error;
      });
      if (!rows[0]) throw staleVersion(id, current.version + 1);
      await recordEvent(client, { at: this.#clock(), actor: options.actor ?? 'local', action: 'key.updated', keyId: id, details: changeDetails(current, next, changed) });
      return this.#toKey(rows[0]);
    });
    this.#authCache.clear();
    return key;
  }

  async revokeKey(id: string, options: ChangeOptions = {}): Promise<StoreKey> {
    const key = await this.#transaction(async (client) => {
      const current = await this.#lockKey(client, id);
      assertWithin(current, this.permissionsOf(current.roles), options.within, 'revoke');
      if (current.revokedAt !== null) return current;
      const now = this.#clock();
      const { rows } = await client.query<PgKeyRow>(
        `UPDATE keys SET revoked_at = $2, version = version + 1 WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
        [id, now],
      );
      // The replay copy of a revoked key's secret is wiped; the record stays, so a retry is answered, not repeated.
      await client.query("UPDATE idempotency SET sealed_secret = ''::bytea WHERE key_id = $1", [id]);
      await recordEvent(client, { at: now, actor: options.actor ?? 'local', action: 'key.revoked', keyId: id, details: { name: current.name } });
      return this.#toKey(rows[0] as PgKeyRow);
    });
    this.#authCache.clear();
    return key;
  }


  async authenticate(secret: string): Promise<AuthResult> {
    if (!isKeySecretShaped(secret)) return { ok: false, reason: 'unknown' };
    return this.#authenticate(secret, undefined, true);
  }

  async authenticateAgain(previous: AuthResult): Promise<AuthResult> {
    const lookup = Authenticated.lookupOf<SecretLookup>(previous);
    return lookup ? this.#authenticate(undefined, lookup, true) : { ok: false, reason: 'unknown' };
  }

  async verify(secret: string, permission?: string): Promise<VerifyResult> {
    if (!isKeySecretShaped(secret)) return verifyResult({ ok: false, reason: 'unknown' }, permission);
    return verifyResult(await this.#authenticate(secret, undefined, false), permission);
  }

  /** Authenticates a presented secret, or the secret of an earlier lookup; `remember`: answer with the lookup kept. */
  async #authenticate(secret: string | undefined, earlier: SecretLookup | undefined, remember: boolean): Promise<AuthResult> {
    const cacheKey = earlier ? earlier.cacheKey : this.#authCache.keyOf(secret as string);
    const now = this.#clock();
    let row = this.#authCache.get(cacheKey, now);
    if (!row) {
      const hash = earlier ? earlier.hash : hashSecret(this.#pepper, secret as string);
      const rows = await this.#query<PgKeyRow & { secret_hash: Buffer }>(`SELECT ${KEY_COLUMNS}, secret_hash FROM keys WHERE secret_hash = $1`, [hash]);
      row = rows[0];
      if (!row || !sameHash(row.secret_hash, hash)) return { ok: false, reason: 'unknown' };
      this.#authCache.set(cacheKey, row, now);
    }
    return admitRow(row, cacheKey, now, remember, this.#admission);
  }

  async sharedSecret(): Promise<SharedSecretInfo> {
    const rows = await this.#query<{ prefix: string; created_at: number; rotated_at: number }>(
      'SELECT prefix, created_at, rotated_at FROM shared_secret WHERE id = 1',
    );
    const row = rows[0];
    return row ? { exists: true, prefix: row.prefix, createdAt: row.created_at, rotatedAt: row.rotated_at } : { exists: false };
  }

  async rotateSharedSecret(options: { actor?: string } = {}): Promise<{ secret: Secret; prefix: string; rotatedAt: number }> {
    return this.#transaction(async (client) => {
      const now = this.#clock();
      const plaintext = generateSecret(SHARED_SECRET_PREFIX);
      const prefix = displayPrefix(plaintext);
      await client.query(
        `INSERT INTO shared_secret (id, prefix, secret_hash, created_at, rotated_at) VALUES (1, $1, $2, $3, $3)
         ON CONFLICT (id) DO UPDATE SET prefix = $1, secret_hash = $2, rotated_at = $3`,
        [prefix, hashSecret(this.#pepper, plaintext), now],
      );
      await recordEvent(client, { at: now, actor: options.actor ?? 'local', action: 'shared_secret.rotated', keyId: null, details: { prefix } });
      return { secret: new Secret(plaintext), prefix, rotatedAt: now };
    });
  }

  async sharedSecretMatches(candidate: string): Promise<boolean> {
    const rows = await this.#query<{ secret_hash: Buffer }>('SELECT secret_hash FROM shared_secret WHERE id = 1');
    return rows[0] !== undefined && sameHash(rows[0].secret_hash, hashSecret(this.#pepper, candidate));
  }

  async listEvents(options: { limit: number; cursor?: string }): Promise<{ events: StoreEvent[]; nextCursor: string | null }> {
    const rows = await this.#query<{ id: number; at: number; actor: string; action: StoreEvent['action']; key_id: string | null; details: Record<string, unknown> | null }>(
      'SELECT id, at, actor, action, key_id, details FROM events WHERE id > $1 ORDER BY id LIMIT $2',
      [decodeCursor(options.cursor), options.limit + 1],
    );
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      events: page.map((row) => ({ id: row.id, at: row.at, actor: row.actor, action: row.action, keyId: row.key_id, details: row.details })),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.id) : null,
    };
  }

  get lastUseFailing(): boolean {
    return this.#lastUseFailing;
  }

  async ready(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async flush(): Promise<void> {
    this.#lastUse.flushAll();
    while (this.#pendingWrites.size > 0) await Promise.all(this.#pendingWrites);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush().catch(() => undefined);
    await this.#pool.end();
  }

  async #maintain(): Promise<void> {
    if (this.#closed) return;
    this.#lastUse.flushDue();
    await this.#query('DELETE FROM idempotency WHERE created_at <= $1', [this.#clock() - IDEMPOTENCY_WINDOW_MS]).catch((error: unknown) =>
      this.#logOnce(`purging expired idempotency records failed: ${reasonOf(error)}`),
    );
  }

  /** Best-effort and monotonic: a failed write is retried on a later flush; a late write never moves last use back. */
  #writeLastUse(id: string, usedAt: number): void {
    const write = this.#pool
      .query('UPDATE keys SET last_used_at = GREATEST(last_used_at, $2) WHERE id = $1', [id, usedAt])
      .then(
        () => {
          if (this.#lastUseFailing) this.#log('recording last use works again');
          this.#lastUseFailing = false;
        },
        (error: unknown) => {
          if (!this.#lastUseFailing) this.#log(`recording last use failed, will retry: ${reasonOf(error)}`);
          this.#lastUseFailing = true;
          if (!this.#closed) this.#lastUse.record(id, usedAt);
        },
      )
      .finally(() => this.#pendingWrites.delete(write));
    this.#pendingWrites.add(write);
  }

  #logOnce(line: string): void {
    if (this.#logged.has(line)) return;
    this.#logged.add(line);
    this.#log(line);
  }

  async #lockKey(client: pg.PoolClient, id: string): Promise<StoreKey> {
    const { rows } = await client.query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows[0]) throw noSuchKey(id);
    return this.#toKey(rows[0]);
  }

  async #assertNameFree(client: pg.PoolClient, name: string): Promise<void> {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM keys WHERE name = $1 AND revoked_at IS NULL', [name]);
    if (rows[0]) throw nameTaken(name, rows[0].id);
  }

  #toKey(row: PgKeyRow): StoreKey {
    const latest = this.#lastUse.latest(row.id);
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      roles: [...row.roles],
      prefix: row.prefix,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      lastUsedAt: latest !== undefined && (row.last_used_at === null || latest > row.last_used_at) ? latest : row.last_used_at,
      revokedAt: row.revoked_at,
      metadata: { ...row.metadata },
      version: row.version,
    };
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(text, values)).rows;
    } catch (error) {
      throw isUnavailable(error) ? unavailable(error) : error;
    }
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw isUnavailable(error) ? unavailable(error) : error;
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw isUnavailable(error) ? unavailable(error) : error;
    } finally {
      client.release(broken);
    }
  }
}

function createdDetails(name: string, roles: string[], expiresAt: number | null): Record<string, unknown> {
  return { name, roles, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() };
}

async function recordEvent(client: pg.PoolClient, event: Omit<StoreEvent, 'id'>): Promise<void> {
  await client.query('INSERT INTO events (at, actor, action, key_id, details) VALUES ($1, $2, $3, $4, $5)', [
    event.at,
    event.actor,
    event.action,
    event.keyId,
    event.details === null ? null : JSON.stringify(event.details),
  ]);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
}
