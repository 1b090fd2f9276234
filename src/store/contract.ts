import type { Capabilities, Role } from '../core/model.js';
import type { RoleCatalog } from '../core/permissions.js';
import type { Secret } from '../core/secret.js';
import type { CapabilitiesConfig } from './config/service-config.js';

/** A key as the store holds it. Never holds a secret or its hash. Times are epoch ms. */
export interface StoreKey {
  id: string;
  name: string;
  description: string;
  roles: string[];
  /** Non-secret start of the secret, shown in lists: `kp_ab12cd34`. */
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  metadata: Record<string, string>;
  /** Bumped on every change to the fields above except lastUsedAt; the ETag. */
  version: number;
}

/** A management action, for the record. Never holds a secret. */
export interface StoreEvent {
  id: number;
  at: number;
  /** Who: a key id, `bootstrap` (the KEYPLAN_ADMIN_KEY credential) or `local` (the embedded provider). */
  actor: string;
  action: 'key.created' | 'key.updated' | 'key.revoked' | 'shared_secret.rotated' | 'lease.acquired' | 'lease.released' | 'lease.force_released';
  keyId: string | null;
  details: Record<string, unknown> | null;
}

export interface SharedSecretInfo {
  exists: boolean;
  prefix?: string;
  createdAt?: number;
  rotatedAt?: number;
}

/** What every store is opened with. */
export interface StoreOptions {
  /** The key for secret hashes; default KEYPLAN_PEPPER, else (SQLite only) `<db>.pepper` (created, mode 0600). */
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
  /** SQLite: create a new database where a pepper file says one existed but the database is missing or empty. */
  init?: boolean;
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

/** Who holds an apply lease, as its holder described itself. */
export interface LeaseHolder {
  pid: number;
  host: string;
  /** ISO 8601 date-time, as sent. */
  startedAt: string;
  /** Free text, e.g. a CI job URL (at most 200 characters). */
  run?: string;
}

/** The apply lease of one ownership: one apply run at a time per configuration. Times are epoch ms. */
export interface Lease {
  id: string;
  ownership: string;
  holder: LeaseHolder;
  acquiredAt: number;
  expiresAt: number;
}

export interface AcquireLeaseInput {
  ownership: string;
  holder: LeaseHolder;
  ttlSeconds: number;
  actor?: string;
}

/** A lease taken, or the unexpired lease someone else holds. */
export type LeaseAttempt = { acquired: true; lease: Lease } | { acquired: false; held: Lease };

export interface UpdateKeyOptions extends ChangeOptions {
  /** Refuse (precondition_failed) unless the key is at this version: If-Match. */
  ifVersion?: number;
}

/**
 * The key store contract: one interface, two implementations (SQLite embedded, PostgreSQL shared by
 * several `keyplan serve` instances). Every method that touches the database is async and atomic on
 * its own: a check and the write that depends on it happen in one transaction, never across calls.
 * Roles and capabilities come from the service configuration and are answered from memory.
 */
export interface Store {
  /** `sqlite` or `postgres`; where the data lives, e.g. a path or a URL without its password. */
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  /** True when opening it created the database (SQLite: a new file; PostgreSQL: the first migration). */
  readonly created: boolean;

  listKeys(options: { limit: number; cursor?: string; includeRevoked?: boolean }): Promise<{ keys: StoreKey[]; nextCursor: string | null }>;
  getKey(id: string): Promise<StoreKey | undefined>;
  createKey(input: CreateKeyInput): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }>;
  updateKey(id: string, patch: KeyPatch, options?: UpdateKeyOptions): Promise<StoreKey>;
  /** Revokes a key; revoking a revoked key returns it unchanged. */
  revokeKey(id: string, options?: ChangeOptions): Promise<StoreKey>;

  roles(): Role[];
  roleCatalog(): RoleCatalog;
  capabilities(): Capabilities;
  capabilitiesConfig(): CapabilitiesConfig;
  /** The permissions a set of roles grants (may include `*` or `ns:*`); unknown roles grant nothing. */
  permissionsOf(roleNames: readonly string[]): string[];

  /** Checks a presented secret; on success records the use (best-effort). */
  authenticate(secret: string): Promise<AuthResult>;
  /**
   * What `authenticate` answers now for the secret behind `previous`, a successful answer of this store's
   * `authenticate` (the key may have been revoked or changed since), without hashing the secret again.
   * Any other `previous` answers as an unknown key.
   */
  authenticateAgain(previous: AuthResult): Promise<AuthResult>;
  verify(secret: string, permission?: string): Promise<VerifyResult>;

  sharedSecret(): Promise<SharedSecretInfo>;
  rotateSharedSecret(options?: { actor?: string }): Promise<{ secret: Secret; prefix: string; rotatedAt: number }>;
  sharedSecretMatches(candidate: string): Promise<boolean>;

  listEvents(options: { limit: number; cursor?: string }): Promise<{ events: StoreEvent[]; nextCursor: string | null }>;

  /** Takes the apply lease of an ownership unless an unexpired one exists (an expired one is replaced). */
  acquireLease(input: AcquireLeaseInput): Promise<LeaseAttempt>;
  /** Extends an unexpired lease to now + ttl; undefined when it expired or was released (its holder lost it). */
  renewLease(id: string, ttlSeconds: number): Promise<Lease | undefined>;
  /** Ends an unexpired lease (its holder's release, or anyone's force-unlock); undefined when there is none. */
  releaseLease(id: string, options?: { actor?: string }): Promise<Lease | undefined>;
  /** The unexpired lease of an ownership, if any. */
  currentLease(ownership: string): Promise<Lease | undefined>;

  /** Resolves when the database answers; rejects with a StorageFailure (unavailable, corrupt) when it cannot serve. */
  ready(): Promise<void>;
  /** Whether last-use writes are failing now (a full disk, the database away); they are retried. */
  readonly lastUseFailing: boolean;
  /** Writes pending last uses now (also done on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
