/** The `http` provider: the key service HTTP API v1 (what `keyplan serve` serves). */
import { ProviderError } from '../../core/errors.js';
import type { ProviderCapabilities, RemoteKey, Role } from '../../core/model.js';
import { KEY_SERVICE_TRAITS } from '../key-service-traits.js';
import type { SelfKey } from '../../core/plan-refusals.js';
import { Secret } from '../../core/secret.js';
import { KeyServiceClient, type ApiRequest, type ApiResponse, type KeyServiceClientOptions } from '../http-client.js';
import { responseError } from '../http-errors.js';
import { HttpLeases, leasesOffered } from '../http-lease.js';
import { PERMISSION_FOR, type CreateKeyInput, type CreatedKey, type ListOptions, type Provider, type ProviderOperation, type UpdateKeyInput } from '../provider.js';
import {
  createBody,
  fromWireCapabilities,
  fromWireCreated,
  fromWireKey,
  fromWireKeyPage,
  fromWireRoles,
  updateBody,
} from '../wire.js';
import { appendAll } from '../../core/append.js';

/** The largest page the API serves; fewer round trips for big stores. */
const PAGE_SIZE = 1000;

export interface HttpProviderOptions extends KeyServiceClientOptions {
  name: string;
  /** The env var the token came from, named in messages about a rejected token. */
  tokenEnv: string;
}

export class HttpProvider implements Provider {
  readonly name: string;
  readonly description: string;
  readonly #client: KeyServiceClient;
  readonly #tokenEnv: string;
  #capabilities: Promise<ProviderCapabilities> | undefined;
  readonly leases: HttpLeases;

  constructor(options: HttpProviderOptions) {
    this.#client = new KeyServiceClient(options);
    this.leases = new HttpLeases(this.#client, options.tokenEnv);
    this.name = options.name;
    this.description = this.#client.url;
    this.#tokenEnv = options.tokenEnv;
  }

  capabilities(): Promise<ProviderCapabilities> {
    this.#capabilities ??= this.#call('capabilities', 'read the capabilities', { method: 'GET', path: '/v1/capabilities' }).then(
      (res) => ({ ...this.#parse(() => fromWireCapabilities(res.body)), leases: leasesOffered(res.body), ...KEY_SERVICE_TRAITS }),
    );
    // A failed read is not remembered, so a later call tries again.
    this.#capabilities.catch(() => (this.#capabilities = undefined));
    return this.#capabilities;
  }

  async roles(): Promise<Role[]> {
    const res = await this.#call('roles', 'read the roles', { method: 'GET', path: '/v1/roles' });
    return this.#parse(() => fromWireRoles(res.body));
  }

  async list(options: ListOptions = {}): Promise<RemoteKey[]> {
    const includeRevoked = options.includeRevoked === true;
    const keys: RemoteKey[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { limit: String(PAGE_SIZE) };
      if (cursor !== null) query.cursor = cursor;
      if (includeRevoked) query.include_revoked = 'true';
      const res = await this.#call('list', 'list keys', { method: 'GET', path: '/v1/keys', query });
      const page = this.#parse(() => fromWireKeyPage(res.body));
      appendAll(keys, includeRevoked ? page.keys : page.keys.filter((key) => key.revokedAt === null));
      cursor = page.nextCursor;
      if (cursor !== null) {
        if (seen.has(cursor)) {
          throw new ProviderError(`cannot list keys: the key service at ${this.description} repeated a page cursor`, undefined, 'invalid_response');
        }
        seen.add(cursor);
      }
    } while (cursor !== null);
    return keys;
  }

  /** GET /v1/whoami: the key the token is (undefined for the bootstrap admin credential, which is no key). */
  async identity(): Promise<SelfKey | undefined> {
    const res = await this.#call('capabilities', 'read which key the token is', { method: 'GET', path: '/v1/whoami' });
    const key = (res.body as { key?: { id?: unknown; name?: unknown } | null } | undefined)?.key;
    if (!key || typeof key.id !== 'string' || typeof key.name !== 'string') return undefined;
    return { keyId: key.id, name: key.name, source: `the token in ${this.#tokenEnv}` };
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const res = await this.#call('create', `create key ${JSON.stringify(input.name)}`, {
      method: 'POST',
      path: '/v1/keys',
      headers: { 'idempotency-key': input.idempotencyKey },
      body: createBody(input),
    });
    const created = this.#parse(() => fromWireCreated(res.body, res.headers.etag));
    return {
      key: created.key,
      secret: new Secret(created.secret),
      replayed: res.headers['idempotent-replayed']?.toLowerCase() === 'true',
    };
  }

  async update(id: string, patch: UpdateKeyInput, etag?: string): Promise<RemoteKey> {
    const action = `update key ${id}`;
    const request: ApiRequest = {
      method: 'PATCH',
      path: keyPath(id),
      body: updateBody(patch),
      ...(etag === undefined ? {} : { headers: { 'if-match': etag } }),
    };
    const res = await this.#client.send(request);
    if (res.status === 412 && res.attempts > 1) {
      // An earlier attempt may have been applied with its answer lost; then the key already is as asked.
      const current = await this.#get(id, action);
      if (reflects(current, patch)) return current;
    }
    this.#check(res, 'update', action, id);
    return this.#parse(() => fromWireKey(res.body, res.headers.etag));
  }

  async revoke(id: string): Promise<RemoteKey> {
    const res = await this.#call('revoke', `revoke key ${id}`, { method: 'DELETE', path: keyPath(id) }, id);
    return this.#parse(() => fromWireKey(res.body, res.headers.etag));
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  async #get(id: string, action: string): Promise<RemoteKey> {
    const res = await this.#client.send({ method: 'GET', path: keyPath(id) });
    this.#check(res, 'list', action, id);
    return this.#parse(() => fromWireKey(res.body, res.headers.etag));
  }

  async #call(operation: ProviderOperation, action: string, request: ApiRequest, keyId?: string): Promise<ApiResponse> {
    const res = await this.#client.send(request);
    this.#check(res, operation, action, keyId);
    return res;
  }

  #check(res: ApiResponse, operation: ProviderOperation, action: string, keyId?: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const permission = PERMISSION_FOR[operation];
    throw responseError(res, {
      url: this.description,
      tokenEnv: this.#tokenEnv,
      action,
      ...(permission === undefined ? {} : { permission }),
      ...(keyId === undefined ? {} : { keyId }),
      redact: (text) => this.#client.redact(text),
    });
  }

  #parse<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof ProviderError) {
        throw new ProviderError(`${error.message} (from ${this.description})`, error.status, error.code);
      }
      throw error;
    }
  }
}

function keyPath(id: string): string {
  return `/v1/keys/${encodeURIComponent(id)}`;
}

function reflects(key: RemoteKey, patch: UpdateKeyInput): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const sortedEntries = (map: Record<string, string>) => Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
  return (
    (patch.name === undefined || key.name === patch.name) &&
    (patch.description === undefined || key.description === patch.description) &&
    (patch.roles === undefined || same([...key.roles].sort(), [...patch.roles].sort())) &&
    (patch.metadata === undefined || same(sortedEntries(key.metadata), sortedEntries(patch.metadata)))
  );
}
