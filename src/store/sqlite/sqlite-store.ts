import type { Capabilities, Role } from '../../core/model.js';
import type { RoleCatalog } from '../../core/permissions.js';
import type { Secret } from '../../core/secret.js';
import { KeyStore, type AuthResult, type ChangeOptions, type CreateKeyInput, type KeyPatch, type KeyStoreOptions, type VerifyResult } from './key-store.js';
import type { StoreEvent } from './events.js';
import type { StoreKey } from './rows.js';
import type { CapabilitiesConfig } from '../config/service-config.js';
import type { SharedSecretInfo } from './shared-secret.js';
import type { Store, UpdateKeyOptions } from '../contract.js';

/**
 * The Store contract over the embedded SQLite KeyStore. Each call is one synchronous SQLite
 * transaction, so the async surface adds no interleaving inside a check-and-write.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';

  get created(): boolean {
    return this.sync.created;
  }

  get lastUseFailing(): boolean {
    return this.sync.lastUseFailing;
  }

  private constructor(
    readonly location: string,
    /** The synchronous store underneath, for bulk seeding (`batch`) and SQLite-only tools. */
    readonly sync: KeyStore,
  ) {}

  static open(path: string, options: KeyStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, KeyStore.open(path, options));
  }

  async listKeys(options: { limit: number; cursor?: string; includeRevoked?: boolean }): Promise<{ keys: StoreKey[]; nextCursor: string | null }> {
    return this.sync.listKeys(options);
  }

  async getKey(id: string): Promise<StoreKey | undefined> {
    return this.sync.getKey(id);
  }

  async createKey(input: CreateKeyInput): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    return this.sync.createKey(input);
  }

  async updateKey(id: string, patch: KeyPatch, options: UpdateKeyOptions = {}): Promise<StoreKey> {
    return this.sync.updateKey(id, patch, options);
  }

  async revokeKey(id: string, options: ChangeOptions = {}): Promise<StoreKey> {
    return this.sync.revokeKey(id, options);
  }

  roles(): Role[] {
    return this.sync.roles();
  }

  roleCatalog(): RoleCatalog {
    return this.sync.roleCatalog();
  }

  capabilities(): Capabilities {
    return this.sync.capabilities();
  }

  capabilitiesConfig(): CapabilitiesConfig {
    return this.sync.capabilitiesConfig();
  }

  permissionsOf(roleNames: readonly string[]): string[] {
    return this.sync.permissionsOf(roleNames);
  }

  async authenticate(secret: string): Promise<AuthResult> {
    return this.sync.authenticate(secret);
  }

  async authenticateAgain(previous: AuthResult): Promise<AuthResult> {
    return this.sync.authenticateAgain(previous);
  }

  async verify(secret: string, permission?: string): Promise<VerifyResult> {
    return this.sync.verify(secret, permission);
  }

  async sharedSecret(): Promise<SharedSecretInfo> {
    return this.sync.sharedSecret();
  }

  async rotateSharedSecret(options: { actor?: string } = {}): Promise<{ secret: Secret; prefix: string; rotatedAt: number }> {
    return this.sync.rotateSharedSecret(options);
  }

  async sharedSecretMatches(candidate: string): Promise<boolean> {
    return this.sync.sharedSecretMatches(candidate);
  }

  async listEvents(options: { limit: number; cursor?: string }): Promise<{ events: StoreEvent[]; nextCursor: string | null }> {
    return this.sync.listEvents(options);
  }

  async ready(): Promise<void> {}

  async flush(): Promise<void> {
    this.sync.flush();
  }

  async close(): Promise<void> {
    this.sync.close();
  }
}
