import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { KeyplanError } from '../../core/errors.js';
import type { RoleCatalog } from '../../core/permissions.js';
import { Secret } from '../../core/secret.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import { EventLog, type StoreEvent } from './events.js';
import { IdempotencyRecords } from '../shared/idempotency.js';
import { newKeyId } from '../shared/ids.js';
import {
  assertWithin,
  changeDetails,
  checkCreate,
  checkPatch,
  createRequest,
  differentRequest,
  nameTaken,
  noSuchKey,
  patched,
  replayableSecret,
  verifyResult,
  checkUpdate,
} from '../shared/key-rules.js';
import { LastUseTracker } from '../shared/last-use.js';
import { migrate } from './migrations.js';
import { loadPepper, pepperCheckValue } from './pepper-file.js';
import { describeStorageError } from './errors.js';
import { KEY_COLUMNS, keyFromRow, keyFromValues, type KeyRow, type KeyValues, type StoreKey } from './rows.js';
import type { CapabilitiesConfig } from '../config/service-config.js';
import { StoreConfig } from '../config/store-config.js';
import { SharedSecretStore, type SharedSecretInfo } from './shared-secret.js';
import { AuthCache, admitRow, type RowAdmission, type SecretLookup } from '../shared/auth-cache.js';
import { Authenticated, KEY_SECRET_PREFIX, displayPrefix, generateSecret, hashSecret, isKeySecretShaped, sameHash } from '../shared/secrets.js';

export type { StoreKey } from './rows.js';
export type { StoreEvent } from './events.js';
export type { SharedSecretInfo } from './shared-secret.js';
export { StoreError } from '../errors.js';

export interface KeyStoreOptions {
  /** The key for secret hashes; default KEYPLAN_PEPPER, else `<db>.pepper` (created, mode 0600). */
  pepper?: Buffer | string;
  /** Roles and their permissions; default ADMIN (`*`) and READONLY (keys:read, roles:read). */
  roles?: RoleCatalog;
  capabilities?: CapabilitiesConfig;
  clock?: () => number;
  /** Minimum time between two last-use writes of one key; default one minute. */
  lastUseWriteIntervalMs?: number;
  /** How often pending last uses are written and expired replay copies purged; default 15 s. */
  maintenanceIntervalMs?: number;
  /** Where background problems go (a failing last-use write, a failed purge): once, not per request. */
  log?: (line: string) => void;
}

export interface CreateKeyInput {
  name: string;
  description?: string;
  roles: string[];
  /** Epoch ms; null: never. Exclusive with expiresIn. */
  expiresAt?: number | null;
  /** `90d`, `12h`, `2w`, `3mo`, `1y` or `never`. Exclusive with expiresAt. */
  expiresIn?: string;
  metadata?: Record<string, string>;
  /** A retry with the same key (same caller, within 24 h) returns the same key and secret. */
  idempotencyKey?: string;
  /** Who is asking: a key id, `bootstrap`, or `local` (the default). Also scopes idempotency keys. */
  actor?: string;
  /**
   * The caller's own secret (its bearer token). The idempotent-replay copy of the new secret is
   * sealed under a key derived from it, so only this caller can replay it and the data directory
   * alone yields nothing. Without it (the embedded local store) the copy is sealed under the pepper.
   */
  replayCredential?: string;
}

/** Options of a change to an existing key. */
export interface ChangeOptions {
  actor?: string;
  /**
   * The caller's permissions: a key holding permissions beyond them cannot be changed or
   * revoked (403), the same rule that limits what a caller may grant. Absent: no limit (local).
   */
  within?: readonly string[];
}

export interface KeyPatch {
  name?: string;
  description?: string;
  roles?: string[];
  /** Replaces the whole map. */
  metadata?: Record<string, string>;
}

export type AuthFailure = 'unknown' | 'expired' | 'revoked';

export type AuthResult = { ok: true; key: StoreKey; permissions: string[] } | { ok: false; reason: AuthFailure };

export interface VerifyResult {
  valid: boolean;
  reason?: AuthFailure | 'missing_permission';
  key?: StoreKey;
  permissions?: string[];
}

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
  readonly #admission: RowAdmission<KeyRow & { secret_hash: Buffer }> = {
    recordUse: (id, now) => this.#lastUse.record(id, now),
    toKey: (row) => this.#toKey(row),
    permissionsOf: (roles) => this.permissionsOf(roles),
  };
  readonly #events: EventLog;
  readonly #idempotency: IdempotencyRecords;
  readonly #sharedSecret: SharedSecretStore;
  readonly #timer: NodeJS.Timeout;
  readonly #stmt: ReturnType<typeof prepareStatements>;
  readonly #authCache = new AuthCache<KeyRow & { secret_hash: Buffer }>();
  readonly #log: (line: string) => void;
  #closed = false;
  /** True when open() made a new database file. */
  readonly created: boolean;

  private constructor(db: Database.Database, pepper: Buffer, options: KeyStoreOptions, created: boolean) {
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
    this.#events = new EventLog(db);
    this.#idempotency = new IdempotencyRecords(db, pepper);
    this.#sharedSecret = new SharedSecretStore(db, pepper);
    this.#maintain();
    this.#timer = setInterval(() => this.#maintain(), options.maintenanceIntervalMs ?? MAINTENANCE_INTERVAL_MS);
    this.#timer.unref();
  }

  /**
   * Opens (or creates) the database. Its files are kept mode 0600, deleted content is
   * overwritten (secure_delete), and the pepper must be the one its keys were hashed with:
   * a database remembers a check value of its pepper and refuses any other.
   */
  static open(path: string, options: KeyStoreOptions = {}): KeyStore {
    const inMemory = path === ':memory:';
    const created = inMemory || isNewFile(path);
    if (!inMemory) {
      mkdirSync(dirname(path), { recursive: true });
      if (created) closeSync(openSync(path, 'a', 0o600));
    }
    const db = new (sqlite())(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      db.pragma('secure_delete = ON');
      migrate(db, path);
      if (!inMemory) restrictModes(path);
      const pepper = checkedPepper(db, path, options.pepper);
      return new KeyStore(db, pepper, options, created && !inMemory);
    } catch (error) {
      db.close();
      throw error;
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
          details: { name, roles: input.roles, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() },
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
        this.#authCache.clear();
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
        this.#authCache.clear();
        this.#stmt.revoke.run(now, id);
        this.#idempotency.forgetKey(id);
        this.#events.record({ at: now, actor: options.actor ?? 'local', action: 'key.revoked', keyId: id, details: { name: current.name } });
        return this.#require(id);
      })
      .immediate();
  }


  /** Checks a presented secret; on success records the use. Expired and revoked keys do not count as use. */
  authenticate(secret: string): AuthResult {
    if (!isKeySecretShaped(secret)) return { ok: false, reason: 'unknown' };
    return this.#authenticate(secret, undefined, true);
  }

  /**
   * What `authenticate` answers now for the secret of `previous`, a successful answer of this store's
   * `authenticate` (e.g. once the request body arrived: the key may have been revoked meanwhile), without
   * hashing the secret again. Any other `previous` is an unknown key.
   */
  authenticateAgain(previous: AuthResult): AuthResult {
    const lookup = Authenticated.lookupOf<SecretLookup>(previous);
    return lookup ? this.#authenticate(undefined, lookup, true) : { ok: false, reason: 'unknown' };
  }

  /** What a gateway asks: is this key valid, and (optionally) does it grant `permission`? */
  verify(secret: string, permission?: string): VerifyResult {
    if (!isKeySecretShaped(secret)) return verifyResult({ ok: false, reason: 'unknown' }, permission);
    return verifyResult(this.#authenticate(secret, undefined, false), permission);
  }

  /** Authenticates a presented secret, or the secret of an earlier lookup; `remember`: answer with the lookup kept. */
  #authenticate(secret: string | undefined, earlier: SecretLookup | undefined, remember: boolean): AuthResult {
    const cacheKey = earlier ? earlier.cacheKey : this.#authCache.keyOf(secret as string);
    const now = this.#clock();
    let row = this.#authCache.get(cacheKey, now);
    if (!row) {
      const hash = earlier ? earlier.hash : hashSecret(this.#pepper, secret as string);
      row = this.#stmt.bySecretHash.get(hash);
      if (!row || !sameHash(row.secret_hash, hash)) return { ok: false, reason: 'unknown' };
      this.#authCache.set(cacheKey, row, now);
    }
    return admitRow(row, cacheKey, now, remember, this.#admission);
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

/**
 * better-sqlite3 loads (a native module) when a store opens, not when keyplan starts: plan, apply and audit
 * over http never open one. It is CommonJS, so it loads synchronously, as open() needs.
 */
function sqlite(): typeof Database {
  return createRequire(import.meta.url)('better-sqlite3') as typeof Database;
}

function prepareStatements(db: Database.Database) {
  return {
    byId: db.prepare<[string], KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = ?`),
    bySecretHash: db.prepare<[Buffer], KeyRow & { secret_hash: Buffer }>(`SELECT ${KEY_COLUMNS}, secret_hash FROM keys WHERE secret_hash = ?`),
    activeByName: db.prepare<[string], { id: string }>('SELECT id FROM keys WHERE name = ? AND revoked_at IS NULL'),
    pageActive: db.prepare<[number, number], KeyValues>(`SELECT ${KEY_COLUMNS} FROM keys WHERE seq > ? AND revoked_at IS NULL ORDER BY seq LIMIT ?`).raw(),
    pageAll: db.prepare<[number, number], KeyValues>(`SELECT ${KEY_COLUMNS} FROM keys WHERE seq > ? ORDER BY seq LIMIT ?`).raw(),
    insert: db.prepare(
      `INSERT INTO keys (id, name, description, roles, prefix, secret_hash, created_at, expires_at, metadata)
       VALUES (@id, @name, @description, @roles, @prefix, @secret_hash, @created_at, @expires_at, @metadata)`,
    ),
    update: db.prepare(
      'UPDATE keys SET name = @name, description = @description, roles = @roles, metadata = @metadata, version = version + 1 WHERE id = @id',
    ),
    revoke: db.prepare('UPDATE keys SET revoked_at = ?, version = version + 1 WHERE id = ?'),
    writeLastUse: db.prepare<[number, number, string]>(
      'UPDATE keys SET last_used_at = ? WHERE (last_used_at IS NULL OR last_used_at < ?) AND id = ?',
    ),
  };
}

/** Missing, or empty (a database whose creation failed, e.g. on a full disk). */
function isNewFile(path: string): boolean {
  try {
    return statSync(path).size === 0;
  } catch {
    return true;
  }
}

/** Database, WAL and shared-memory files readable by the owner only (SQLite gives -wal and -shm the database's mode). */
function restrictModes(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * The pepper for this database, checked against the check value it stores. A database
 * that holds keys never gets a fresh pepper: a missing or different one refuses to start.
 */
function checkedPepper(db: Database.Database, path: string, explicit: Buffer | string | undefined): Buffer {
  const stored = db.prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE name = 'pepper_check'").get()?.value;
  const hasKeys = db.prepare('SELECT 1 FROM keys LIMIT 1').get() !== undefined || db.prepare('SELECT 1 FROM shared_secret LIMIT 1').get() !== undefined;
  const { pepper, source } = loadPepper(path, explicit, stored === undefined && !hasKeys);
  const check = pepperCheckValue(pepper);
  if (stored === undefined) {
    db.prepare("INSERT OR IGNORE INTO meta (name, value) VALUES ('pepper_check', ?)").run(check);
  } else if (!sameHash(stored, check)) {
    const where = source.endsWith('.pepper') ? `Restore ${source} from the backup made together with this database` : `Set ${source} back to the value this database was created with`;
    throw new KeyplanError(
      `the pepper from ${source} is not the one the keys in ${path} were hashed with, so no key would authenticate. ${where} (or point --db at the database that belongs to this pepper).`,
    );
  }
  return pepper;
}
