import type { Capabilities, Role } from '../../core/model.js';
import type { RoleCatalog } from '../../core/permissions.js';
import type { Secret } from '../../core/secret.js';
import type { CapabilitiesConfig } from '../config/service-config.js';
import type {
  AcquireLeaseInput,
  AuthResult,
  ChangeOptions,
  CreateKeyInput,
  KeyPatch,
  Lease,
  LeaseAttempt,
  SharedSecretInfo,
  Store,
  StoreEvent,
  StoreKey,
  StoreOptions,
  UpdateKeyOptions,
  VerifyResult,
} from '../contract.js';
import { StorageFailure } from '../storage-errors.js';
import { asStorageFailure } from './errors.js';
import { KeyStore } from './key-store.js';

/**
 * The Store contract over the embedded SQLite KeyStore. Each call is one synchronous SQLite
 * transaction, so the async surface adds no interleaving inside a check-and-write. SQLite's errors
 * leave here as the store's StorageFailure kinds; a corrupt database (found by the integrity check at
 * open, or by any call) takes the store out of service (ready() and every call reject) and is logged
 * once, naming the file and what to do.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  #corrupt: StorageFailure | undefined;

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
    private readonly log: (line: string) => void,
  ) {}

  static open(path: string, options: StoreOptions = {}): SqliteStore {
    const store = new SqliteStore(path, KeyStore.open(path, options), options.log ?? (() => undefined));
    if (store.sync.damage !== undefined) store.#failure(new StorageFailure('corrupt', store.sync.damage));
    return store;
  }

  async listKeys(options: { limit: number; cursor?: string; includeRevoked?: boolean }): Promise<{ keys: StoreKey[]; nextCursor: string | null }> {
    return this.#run(() => this.sync.listKeys(options));
  }

  async getKey(id: string): Promise<StoreKey | undefined> {
    return this.#run(() => this.sync.getKey(id));
  }

  async createKey(input: CreateKeyInput): Promise<{ key: StoreKey; secret: Secret; replayed: boolean }> {
    return this.#run(() => this.sync.createKey(input));
  }

  async updateKey(id: string, patch: KeyPatch, options: UpdateKeyOptions = {}): Promise<StoreKey> {
    return this.#run(() => this.sync.updateKey(id, patch, options));
  }

  async revokeKey(id: string, options: ChangeOptions = {}): Promise<StoreKey> {
    return this.#run(() => this.sync.revokeKey(id, options));
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
    return this.#run(() => this.sync.authenticate(secret));
  }

  async authenticateAgain(previous: AuthResult): Promise<AuthResult> {
    return this.#run(() => this.sync.authenticateAgain(previous));
  }

  async verify(secret: string, permission?: string): Promise<VerifyResult> {
    return this.#run(() => this.sync.verify(secret, permission));
  }

  async sharedSecret(): Promise<SharedSecretInfo> {
    return this.#run(() => this.sync.sharedSecret());
  }

  async rotateSharedSecret(options: { actor?: string } = {}): Promise<{ secret: Secret; prefix: string; rotatedAt: number }> {
    return this.#run(() => this.sync.rotateSharedSecret(options));
  }

  async sharedSecretMatches(candidate: string): Promise<boolean> {
    return this.#run(() => this.sync.sharedSecretMatches(candidate));
  }

  async listEvents(options: { limit: number; cursor?: string }): Promise<{ events: StoreEvent[]; nextCursor: string | null }> {
    return this.#run(() => this.sync.listEvents(options));
  }

  async acquireLease(input: AcquireLeaseInput): Promise<LeaseAttempt> {
    return this.#run(() => this.sync.leases.acquire(input));
  }

  async renewLease(id: string, ttlSeconds: number): Promise<Lease | undefined> {
    return this.#run(() => this.sync.leases.renew(id, ttlSeconds));
  }

  async releaseLease(id: string, options: { actor?: string } = {}): Promise<Lease | undefined> {
    return this.#run(() => this.sync.leases.release(id, options.actor ?? 'local'));
  }

  async currentLease(ownership: string): Promise<Lease | undefined> {
    return this.#run(() => this.sync.leases.current(ownership));
  }

  async ready(): Promise<void> {
    if (this.#corrupt) throw this.#corrupt;
  }

  async flush(): Promise<void> {
    this.#run(() => this.sync.flush());
  }

  async close(): Promise<void> {
    this.sync.close();
  }

  /** While the database is corrupt every call is refused with that failure (503), whatever page it would read. */
  #run<T>(work: () => T): T {
    if (this.#corrupt) throw this.#corrupt;
    try {
      return work();
    } catch (error) {
      throw this.#failure(asStorageFailure(error));
    }
  }

  #failure(error: unknown): unknown {
    if (error instanceof StorageFailure && error.kind === 'corrupt' && !this.#corrupt) {
      this.#corrupt = error;
      this.log(
        `the database ${this.location} is corrupt (${error.message}); the service is out of service (not ready): ` +
          `stop it and restore ${this.location} from a backup, keeping its pepper file.`,
      );
    }
    return error;
  }
}
