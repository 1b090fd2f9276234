import type pg from 'pg';
import { KeyplanError } from '../../core/errors.js';
import type { Secret } from '../../core/secret.js';
import { StoreConfig } from '../config/store-config.js';
import type {
  AcquireLeaseInput,
  AuthResult,
  ChangeOptions,
  CreateKeyInput,
  KeyPatch,
  Lease,
  LeaseAttempt,
  SharedSecretInfo, Store, StoreEvent, StoreKey, StoreOptions, UpdateKeyOptions, VerifyResult } from '../contract.js';
import { Authenticator, type AuthStep } from '../shared/authentication.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import { IDEMPOTENCY_WINDOW_MS } from '../shared/idempotency.js';
import {
  assertWithin,
  changeDetails,
  checkCreate,
  checkPatch,
  checkUpdate,
  nameTaken,
  noSuchKey,
  patched,
  staleVersion,
  verifyResult,
} from '../shared/key-rules.js';
import { LastUseTracker } from '../shared/last-use.js';
import { pepperCheckValue, requiredPepper, wrongPepper } from '../shared/pepper-check.js';
import { migratePostgres } from './migrations.js';
import { PgDatabase, listEvents, recordEvent } from './pg-database.js';
import { KEY_COLUMNS, keyFromPgRow, type PgKeyRow } from './pg-rows.js';
import { PgCreates } from './pg-creates.js';
import { PgLeases } from './pg-leases.js';
import { PgSharedSecret } from './pg-shared-secret.js';
import { createPool, describeUrl, violates, type PgPoolOptions } from './pool.js';

/** The store's options (roles, capabilities, clock, pepper, last-use interval, log) and the pool's. The pepper
 * defaults to KEYPLAN_PEPPER and is required: there is no file beside the database. */
export type PgStoreOptions = StoreOptions & PgPoolOptions;

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
  readonly #db: PgDatabase;
  readonly #sharedSecret: PgSharedSecret;
  readonly #creates: PgCreates;
  readonly #leases: PgLeases;
  readonly #clock: () => number;
  readonly #lastUse: LastUseTracker;
  readonly #auth: Authenticator<PgKeyRow & { secret_hash: Buffer }>;
  readonly #log: (line: string) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #pendingWrites = new Set<Promise<void>>();
  readonly #logged = new Set<string>();
  #closed = false;
  #lastUseFailing = false;

  private constructor(pool: pg.Pool, location: string, pepper: Buffer, options: PgStoreOptions, log: (line: string) => void, created: boolean) {
    super(options);
    this.created = created;
    this.#pool = pool;
    this.#db = new PgDatabase(pool);
    this.location = location;
    this.#clock = options.clock ?? Date.now;
    this.#log = log;
    this.#lastUse = new LastUseTracker((id, usedAt) => this.#writeLastUse(id, usedAt), this.#clock, options.lastUseWriteIntervalMs);
    this.#auth = new Authenticator(pepper, this.#clock, {
      recordUse: (id, now) => this.#lastUse.record(id, now),
      toKey: (row) => this.#toKey(row),
      permissionsOf: (roles) => this.permissionsOf(roles),
    });
    this.#sharedSecret = new PgSharedSecret(this.#db, pepper);
    this.#leases = new PgLeases(this.#db, this.#clock);
    this.#creates = new PgCreates(this.#db, {
      pepper,
      clock: this.#clock,
      toKey: (row) => this.#toKey(row),
      expiryOf: (input, now) => checkCreate(input, this.roleMap, this.capabilityConfig, now),
    });
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
    const rows = await this.#db.query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE ${where} ORDER BY seq LIMIT $2`, [after, options.limit + 1]);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return { keys: page.map((row) => this.#toKey(row)), nextCursor: rows.length > options.limit && last ? encodeCursor(last.seq) : null };
  }

  async getKey(id: string): Promise<StoreKey | undefined> {
    const rows = await this.#db.query<PgKeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = $1`, [id]);
    return rows[0] && this.#toKey(rows[0]);
  }

  async createKey(input: CreateKeyInput): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    return this.#creates.create(input);
  }

  async updateKey(id: string, requested: KeyPatch, options: UpdateKeyOptions = {}): Promise<StoreKey> {
    const patch = checkPatch(requested, this.roleMap, this.capabilityConfig);
    const key = await this.#db.transaction(async (client) => {
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
    this.#auth.clear();
    return key;
  }

  async revokeKey(id: string, options: ChangeOptions = {}): Promise<StoreKey> {
    const key = await this.#db.transaction(async (client) => {
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
    this.#auth.clear();
    return key;
  }


  async authenticate(secret: string): Promise<AuthResult> {
    return this.#finish(this.#auth.begin(secret));
  }

  async authenticateAgain(previous: AuthResult): Promise<AuthResult> {
    return this.#finish(this.#auth.again(previous));
  }

  async verify(secret: string, permission?: string): Promise<VerifyResult> {
    return verifyResult(await this.#finish(this.#auth.begin(secret, false)), permission);
  }

  async #finish(step: AuthStep): Promise<AuthResult> {
    if ('answer' in step) return step.answer;
    const rows = await this.#db.query<PgKeyRow & { secret_hash: Buffer }>(`SELECT ${KEY_COLUMNS}, secret_hash FROM keys WHERE secret_hash = $1`, [step.lookup.hash]);
    return this.#auth.finish(step.lookup, rows[0]);
  }

  async sharedSecret(): Promise<SharedSecretInfo> {
    return this.#sharedSecret.info();
  }

  async rotateSharedSecret(options: { actor?: string } = {}): Promise<{ secret: Secret; prefix: string; rotatedAt: number }> {
    return this.#sharedSecret.rotate(this.#clock(), options.actor ?? 'local');
  }

  async sharedSecretMatches(candidate: string): Promise<boolean> {
    return this.#sharedSecret.matches(candidate);
  }

  async listEvents(options: { limit: number; cursor?: string }): Promise<{ events: StoreEvent[]; nextCursor: string | null }> {
    const rows = await listEvents(this.#db, { after: decodeCursor(options.cursor), limit: options.limit + 1 });
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return { events: page, nextCursor: rows.length > options.limit && last ? encodeCursor(last.id) : null };
  }

  async acquireLease(input: AcquireLeaseInput): Promise<LeaseAttempt> {
    return this.#leases.acquire(input);
  }

  async renewLease(id: string, ttlSeconds: number): Promise<Lease | undefined> {
    return this.#leases.renew(id, ttlSeconds);
  }

  async releaseLease(id: string, options: { actor?: string } = {}): Promise<Lease | undefined> {
    return this.#leases.release(id, options.actor ?? 'local');
  }

  async currentLease(ownership: string): Promise<Lease | undefined> {
    return this.#leases.current(ownership);
  }

  get lastUseFailing(): boolean {
    return this.#lastUseFailing;
  }

  async ready(): Promise<void> {
    await this.#db.query('SELECT 1');
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
    await this.#db.query('DELETE FROM idempotency WHERE created_at <= $1', [this.#clock() - IDEMPOTENCY_WINDOW_MS]).catch((error: unknown) =>
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
    return keyFromPgRow(row, this.#lastUse.latest(row.id));
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
}
