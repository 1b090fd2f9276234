import type Database from 'better-sqlite3';
import { Secret } from '../../core/secret.js';
import { StoreConfig } from '../config/store-config.js';
import type { AuthResult, ChangeOptions, CreateKeyInput, KeyPatch, SharedSecretInfo, StoreEvent, StoreKey, StoreOptions, VerifyResult } from '../contract.js';
import { Authenticator } from '../shared/authentication.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import { newKeyId } from '../shared/ids.js';
import {
  assertWithin,
  changeDetails,
  checkCreate,
  checkPatch,
  checkUpdate,
  createRequest,
  createdDetails,
  differentRequest,
  nameTaken,
  noSuchKey,
  patched,
  replayableSecret,
  verifyResult,
} from '../shared/key-rules.js';
import { LastUseTracker } from '../shared/last-use.js';
import { KEY_SECRET_PREFIX, displayPrefix, generateSecret, hashSecret } from '../shared/secrets.js';
import { describeStorageError } from './errors.js';
import { EventLog } from './event-log.js';
import { IdempotencyRecords } from './idempotency-records.js';
import { asStartRefusal, openDatabase } from './open-database.js';
import { LeaseTable } from './lease-table.js';
import { keyFromRow, keyFromValues, type KeyRow, type KeyValues } from './rows.js';
import { SharedSecretStore } from './shared-secret.js';
import { prepareStatements, type KeyStatements } from './statements.js';

const MAINTENANCE_INTERVAL_MS = 15_000;

/**
 * The key store on SQLite (WAL). Secrets are shown once and kept only as
 * HMAC-SHA256 under a server pepper. Every method is synchronous, so a check
 * and the write that depends on it never interleave with another request.
 */
export class KeyStore extends StoreConfig {
  readonly #db: Database.Database;
  readonly #pepper: Buffer;
  readonly #clock: () => number;
  readonly #lastUse: LastUseTracker;
  readonly #auth: Authenticator<KeyRow & { secret_hash: Buffer }>;
  readonly #events: EventLog;
  /** Apply leases, one per ownership. */
  readonly leases: LeaseTable;
  readonly #idempotency: IdempotencyRecords;
  readonly #sharedSecret: SharedSecretStore;
  readonly #timer: NodeJS.Timeout;
  readonly #stmt: KeyStatements;
  readonly #log: (line: string) => void;
  #closed = false;
  /** True when open() made a new database file. */
  readonly created: boolean;

  private constructor(
    db: Database.Database,
    pepper: Buffer,
    options: StoreOptions,
    created: boolean,
    /** What the integrity check at open found wrong; undefined when the database is sound. */
    readonly damage: string | undefined,
  ) {
    super(options);
    this.created = created;
    this.#log = options.log ?? (() => undefined);
    this.#db = db;
    this.#pepper = pepper;
    this.#clock = options.clock ?? Date.now;
    this.#stmt = prepareStatements(db);
    this.#lastUse = new LastUseTracker(
      (id, usedAt) => this.#stmt.writeLastUse.run(usedAt, usedAt, id),
      this.#clock,
      options.lastUseWriteIntervalMs,
      this.#log,
    );
    this.#auth = new Authenticator(pepper, this.#clock, {
      recordUse: (id, now) => this.#lastUse.record(id, now),
      toKey: (row) => this.#toKey(row),
      permissionsOf: (roles) => this.permissionsOf(roles),
    });
    this.#events = new EventLog(db);
    this.leases = new LeaseTable(db, this.#events, this.#clock);
    this.#idempotency = new IdempotencyRecords(db, pepper);
    this.#sharedSecret = new SharedSecretStore(db, pepper);
    this.#maintain();
    this.#timer = setInterval(() => this.#maintain(), options.maintenanceIntervalMs ?? MAINTENANCE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Opens (or creates) the database: see openDatabase. */
  static open(path: string, options: StoreOptions = {}): KeyStore {
    const { db, pepper, created, damage } = openDatabase(path, { pepper: options.pepper, init: options.init });
    try {
      return new KeyStore(db, pepper, options, created, damage);
    } catch (error) {
      db.close();
      throw asStartRefusal(path, error);
    }
  }

  /** Runs `work` (creates, updates, uses) in one write transaction: one commit for a bulk load instead of one per call. */
  batch<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  listKeys(options: { limit: number; cursor?: string; includeRevoked?: boolean }): { keys: StoreKey[]; nextCursor: string | null } {
    const after = decodeCursor(options.cursor);
    const statement = options.includeRevoked ? this.#stmt.pageAll : this.#stmt.pageActive;
    const rows = statement.all(after, options.limit + 1);
    const count = Math.min(rows.length, options.limit);
    const keys: StoreKey[] = [];
    for (let index = 0; index < count; index += 1) {
      const values = rows[index] as KeyValues;
      keys.push(keyFromValues(values, this.#lastUse.latest(values[1])));
    }
    const last = rows[count - 1];
    return { keys, nextCursor: rows.length > options.limit && last ? encodeCursor(last[0]) : null };
  }

  getKey(id: string): StoreKey | undefined {
    const row = this.#stmt.byId.get(id);
    return row && this.#toKey(row);
  }

  createKey(input: CreateKeyInput): { key: StoreKey; secret: Secret; replayed: boolean } {
    const actor = input.actor ?? 'local';
    const idempotencyKey = input.idempotencyKey;
    const { name, fingerprint } = createRequest(input);
    // Outside the transaction so that a refused create still forgets expired secrets.
    this.#purgeReplayCopies();
    return this.#db
      .transaction(() => {
        const now = this.#clock();
        if (idempotencyKey !== undefined) {
          const earlier = this.#idempotency.find(actor, idempotencyKey, now, input.replayCredential);
          if (earlier) {
            if (earlier.requestHash !== fingerprint) throw differentRequest();
            const key = this.getKey(earlier.keyId);
            if (key) return { key, secret: new Secret(replayableSecret(key, earlier.secret, now)), replayed: true };
          }
        }
        const expiresAt = checkCreate(input, this.roleMap, this.capabilityConfig, now);
        this.#assertNameFree(name);

        const plaintext = generateSecret(KEY_SECRET_PREFIX);
        const id = newKeyId(now);
        this.#stmt.insert.run({
          id,
          name,
          description: input.description ?? '',
          roles: JSON.stringify(input.roles),
          prefix: displayPrefix(plaintext),
          secret_hash: hashSecret(this.#pepper, plaintext),
          created_at: now,
          expires_at: expiresAt,
          metadata: JSON.stringify(input.metadata ?? {}),
        });
        if (idempotencyKey !== undefined) {
          this.#idempotency.remember(actor, idempotencyKey, { requestHash: fingerprint, keyId: id, secret: plaintext }, now, input.replayCredential);
        }
        this.#events.record({
          at: now,
          actor,
          action: 'key.created',
          keyId: id,
          details: createdDetails(name, input.roles, expiresAt),
        });
        return { key: this.getKey(id) as StoreKey, secret: new Secret(plaintext), replayed: false };
      })
      .immediate();
  }

  updateKey(id: string, patch: KeyPatch, options: ChangeOptions & { ifVersion?: number } = {}): StoreKey {
    patch = checkPatch(patch, this.roleMap, this.capabilityConfig);
    return this.#db
      .transaction(() => {
        const current = this.#require(id);
        const changed = checkUpdate(current, patch, (roles) => this.permissionsOf(roles), options);
        if (changed.length === 0) return current;
        if (patch.name !== undefined && patch.name !== current.name) this.#assertNameFree(patch.name);
        const next = patched(current, patch);
        this.#auth.clear();
        this.#stmt.update.run({
          id,
          name: next.name,
          description: next.description,
          roles: JSON.stringify(next.roles),
          metadata: JSON.stringify(next.metadata),
        });
        this.#events.record({ at: this.#clock(), actor: options.actor ?? 'local', action: 'key.updated', keyId: id, details: changeDetails(current, next, changed) });
        return this.#require(id);
      })
      .immediate();
  }

  /** Revokes a key; revoking a revoked key returns it unchanged. */
  revokeKey(id: string, options: ChangeOptions = {}): StoreKey {
    return this.#db
      .transaction(() => {
        const current = this.#require(id);
        assertWithin(current, this.permissionsOf(current.roles), options.within, 'revoke');
        if (current.revokedAt !== null) return current;
        const now = this.#clock();
        this.#auth.clear();
        this.#stmt.revoke.run(now, id);
        this.#idempotency.forgetKey(id);
        this.#events.record({ at: now, actor: options.actor ?? 'local', action: 'key.revoked', keyId: id, details: { name: current.name } });
        return this.#require(id);
      })
      .immediate();
  }

  /** Checks a presented secret; on success records the use. Expired and revoked keys do not count as use. */
  authenticate(secret: string): AuthResult {
    return this.#finish(this.#auth.begin(secret));
  }

  /** What `authenticate` answers now for the secret of `previous` (e.g. once the request body arrived), without hashing it again. */
  authenticateAgain(previous: AuthResult): AuthResult {
    return this.#finish(this.#auth.again(previous));
  }

  /** What a gateway asks: is this key valid, and (optionally) does it grant `permission`? */
  verify(secret: string, permission?: string): VerifyResult {
    return verifyResult(this.#finish(this.#auth.begin(secret, false)), permission);
  }

  #finish(step: ReturnType<Authenticator<KeyRow & { secret_hash: Buffer }>['begin']>): AuthResult {
    return 'answer' in step ? step.answer : this.#auth.finish(step.lookup, this.#stmt.bySecretHash.get(step.lookup.hash));
  }

  sharedSecret(): SharedSecretInfo {
    return this.#sharedSecret.info();
  }

  rotateSharedSecret(options: { actor?: string } = {}): { secret: Secret; prefix: string; rotatedAt: number } {
    return this.#db
      .transaction(() => {
        const rotated = this.#sharedSecret.rotate(this.#clock());
        this.#events.record({
          at: rotated.rotatedAt,
          actor: options.actor ?? 'local',
          action: 'shared_secret.rotated',
          keyId: null,
          details: { prefix: rotated.prefix },
        });
        return rotated;
      })
      .immediate();
  }

  /** Whether `candidate` is the current shared secret. */
  sharedSecretMatches(candidate: string): boolean {
    return this.#sharedSecret.matches(candidate);
  }

  listEvents(options: { limit: number; cursor?: string }): { events: StoreEvent[]; nextCursor: string | null } {
    return this.#events.list(options);
  }

  /** Writes pending last uses now (also done on close). */
  flush(): void {
    this.#lastUse.flushAll();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#lastUse.flushAll();
    this.#purgeReplayCopies();
    this.#db.close();
  }

  /** Whether last-use writes are failing now (e.g. a full disk); they are retried. */
  get lastUseFailing(): boolean {
    return this.#lastUse.failing;
  }

  /** Runs on a timer: never throws (a timer that throws would end the process); problems are logged once. */
  #maintain(): void {
    if (this.#closed) return;
    try {
      this.#lastUse.flushDue();
    } catch (error) {
      this.#log(`background last-use write failed: ${describeStorageError(error)}`);
    }
    this.#purgeReplayCopies();
  }

  #purgeFailing = false;

  #purgeReplayCopies(): void {
    try {
      this.#idempotency.purgeExpired(this.#clock());
      if (this.#purgeFailing) this.#log('purging expired replay copies works again');
      this.#purgeFailing = false;
    } catch (error) {
      if (!this.#purgeFailing) this.#log(`purging expired replay copies failed, will retry: ${describeStorageError(error)}`);
      this.#purgeFailing = true;
    }
  }

  #toKey(row: KeyRow): StoreKey {
    return keyFromRow(row, this.#lastUse.latest(row.id));
  }

  #require(id: string): StoreKey {
    const key = this.getKey(id);
    if (!key) throw noSuchKey(id);
    return key;
  }

  #assertNameFree(name: string): void {
    const holder = this.#stmt.activeByName.get(name);
    if (holder) throw nameTaken(name, holder.id);
  }
}

