import type { Capabilities, Role } from '../core/model.js';
import type { RoleCatalog } from '../core/permissions.js';
import type { Secret } from '../core/secret.js';
import type { StoreEvent } from './sqlite/events.js';
import type { AuthResult, ChangeOptions, CreateKeyInput, KeyPatch, VerifyResult } from './sqlite/key-store.js';
import type { StoreKey } from './sqlite/rows.js';
import type { CapabilitiesConfig } from './config/service-config.js';
import type { SharedSecretInfo } from './sqlite/shared-secret.js';

export type { AuthResult, ChangeOptions, CreateKeyInput, KeyPatch, VerifyResult } from './sqlite/key-store.js';
export type { StoreKey } from './sqlite/rows.js';
export type { StoreEvent } from './sqlite/events.js';
export type { SharedSecretInfo } from './sqlite/shared-secret.js';

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

  /** Resolves when the database answers; rejects with StoreUnavailableError when it does not. */
  ready(): Promise<void>;
  /** Whether last-use writes are failing now (a full disk, the database away); they are retried. */
  readonly lastUseFailing: boolean;
  /** Writes pending last uses now (also done on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
