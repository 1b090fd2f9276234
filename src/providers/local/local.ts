/** The `local` provider: the embedded key store in a SQLite file, no server needed. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { KeyplanError, ProviderError, nameHolderOf } from '../../core/errors.js';
import { displayPath } from '../../io/display-path.js';
import type { ProviderCapabilities, RemoteKey, Role } from '../../core/model.js';
import { KEY_SERVICE_TRAITS } from '../key-service-traits.js';
import { StoreError, type StoreErrorCode } from '../../store/errors.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store, StoreKey } from '../../store/contract.js';
import type { CreateKeyInput, CreatedKey, ListOptions, Provider, UpdateKeyInput } from '../provider.js';

const PAGE_SIZE = 1000;

const STATUS_FOR: Record<StoreErrorCode, number> = {
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  precondition_failed: 412,
  unprocessable: 422,
};

export interface LocalProviderOptions {
  name: string;
  /** The SQLite file; its directory is created if missing. */
  path: string;
  /** Overrides the pepper file beside the db (KEYPLAN_PEPPER). */
  pepper?: string;
  clock?: () => number;
}

export class LocalProvider implements Provider {
  readonly name: string;
  readonly description: string;
  readonly #store: Store;

  private constructor(name: string, description: string, store: Store) {
    this.name = name;
    this.description = description;
    this.#store = store;
  }

  static open(options: LocalProviderOptions): LocalProvider {
    const description = `local store ${displayPath(options.path)}`;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      const store = SqliteStore.open(options.path, {
        ...(options.pepper === undefined ? {} : { pepper: options.pepper }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
      return new LocalProvider(options.name, description, store);
    } catch (error) {
      if (error instanceof KeyplanError) throw error;
      throw new ProviderError(`cannot open the ${description}: ${messageOf(error)}`, undefined, codeOf(error));
    }
  }

  async capabilities(): Promise<ProviderCapabilities> {
    return this.#run('read the capabilities', () => ({ ...this.#store.capabilities(), ...KEY_SERVICE_TRAITS }));
  }

  async roles(): Promise<Role[]> {
    return this.#run('read the roles', () => this.#store.roles());
  }

  async list(options: ListOptions = {}): Promise<RemoteKey[]> {
    const includeRevoked = options.includeRevoked === true;
    return this.#run('list keys', async () => {
      const keys: RemoteKey[] = [];
      let cursor: string | null = null;
      do {
        const page = await this.#store.listKeys({ limit: PAGE_SIZE, includeRevoked, ...(cursor === null ? {} : { cursor }) });
        for (const key of page.keys) if (includeRevoked || key.revokedAt === null) keys.push(toRemoteKey(key));
        cursor = page.nextCursor;
      } while (cursor !== null);
      return keys;
    });
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    return this.#run(`create key ${JSON.stringify(input.name)}`, async () => {
      const created = await this.#store.createKey({
        name: input.name,
        description: input.description,
        roles: input.roles,
        ...storeExpiry(input.expires),
        metadata: input.metadata,
        idempotencyKey: input.idempotencyKey,
      });
      return { key: toRemoteKey(created.key), secret: created.secret, replayed: created.replayed };
    });
  }

  async update(id: string, patch: UpdateKeyInput, etag?: string): Promise<RemoteKey> {
    return this.#run(`update key ${id}`, async () => {
      const ifVersion = etag === undefined ? undefined : versionOf(etag);
      const key = await this.#store.updateKey(id, patch, ifVersion === undefined ? {} : { ifVersion });
      return toRemoteKey(key);
    });
  }

  async revoke(id: string): Promise<RemoteKey> {
    return this.#run(`revoke key ${id}`, async () => toRemoteKey(await this.#store.revokeKey(id)));
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  /** Runs a store call, turning its refusals into the same ProviderErrors the http provider gives. */
  async #run<T>(action: string, call: () => T | Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof StoreError) {
        const refused = new ProviderError(`cannot ${action}: ${error.message}`, STATUS_FOR[error.code], error.code);
        const holder = error.code === 'conflict' ? nameHolderOf(error.details) : undefined;
        if (holder !== undefined) refused.nameHeldBy = holder;
        throw refused;
      }
      if (error instanceof KeyplanError) throw error;
      throw new ProviderError(`cannot ${action} in the ${this.description}: ${messageOf(error)}`, undefined, codeOf(error));
    }
  }
}

/** The store builds a fresh StoreKey (roles and metadata included) on every read, so nothing here is shared. */
export function toRemoteKey(key: StoreKey): RemoteKey {
  return {
    id: key.id,
    name: key.name,
    description: key.description,
    roles: key.roles,
    prefix: key.prefix,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
    metadata: key.metadata,
    etag: etagOf(key.version),
  };
}

/** `"7"` for version 7; the texts of the first versions are made once, not once per key listed. */
function etagOf(version: number): string {
  if (!Number.isInteger(version) || version < 0 || version >= COMMON_ETAGS.length) return `"${version}"`;
  return (COMMON_ETAGS[version] ??= `"${version}"`);
}

const COMMON_ETAGS: string[] = new Array<string>(1024);

function storeExpiry(expires: CreateKeyInput['expires']): { expiresAt?: number | null; expiresIn?: string } {
  if (expires === undefined) return {};
  switch (expires.kind) {
    case 'never':
      return { expiresIn: 'never' };
    case 'relative':
      return { expiresIn: expires.text };
    case 'absolute':
      return { expiresAt: expires.at };
  }
}

/** `"7"` (or W/"7") -> 7. An etag this store did not make can never match. */
function versionOf(etag: string): number {
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  if (!match) {
    throw new StoreError('precondition_failed', `the key's version ${etag} is not one this store issued; run plan again`);
  }
  return Number(match[1]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
