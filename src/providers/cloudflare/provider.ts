/** The `cloudflare` provider: user API tokens (`/user/tokens`) or account-owned ones (`/accounts/{id}/tokens`). */
import { KeyplanError, ProviderError } from '../../core/errors.js';
import type { Expiry, ProviderCapabilities, RemoteKey, Role } from '../../core/model.js';
import type { SelfKey } from '../../core/plan-refusals.js';
import { Secret } from '../../core/secret.js';
import { currentOrGone, refusing } from '../token-service.js';
import type { CreateKeyInput, CreatedKey, Provider, UpdateKeyInput } from '../provider.js';
import { CLOUDFLARE_CAPABILITIES } from './capabilities.js';
import { CloudflareApi, type CloudflareClientOptions } from './client.js';
import { CREATE_TAG, fitNameTag, splitNameTag } from './name-tag.js';
import { PermissionCatalog, type PermissionGroup } from './permission-groups.js';
import { policiesFor, resourcesOf, rolesOf, type ResourceChoice } from './policies.js';
import { createTagOf, toRemoteKey, type CloudflareToken } from './tokens.js';

/** `cloudflare: {resources, condition}` on a key (schema-checked, see index.ts). */
interface KeyFields {
  resources?: ResourceChoice;
  condition?: { request_ip: { in?: string[]; not_in?: string[] } };
}

export interface CloudflareProviderOptions extends Omit<CloudflareClientOptions, 'token' | 'url'> {
  name: string;
  apiUrl: string;
  env: NodeJS.ProcessEnv;
}

export class CloudflareProvider implements Provider {
  readonly name: string;
  readonly description: string;
  readonly #api: CloudflareApi;
  readonly #accountId: string | undefined;
  readonly #now: () => number;
  readonly #tokenEnv: string;
  #catalog: Promise<PermissionCatalog> | undefined;
  /** The tokens of the last list (and those made since), by id. */
  #tokens: Map<string, CloudflareToken> | undefined;

  constructor(options: CloudflareProviderOptions) {
    this.name = options.name;
    this.#accountId = options.accountId;
    this.description = `Cloudflare ${options.accountId === undefined ? 'user API tokens' : `account ${options.accountId} API tokens`} (${options.apiUrl})`;
    const token = options.env[options.tokenEnv]?.trim();
    if (!token) throw new KeyplanError(`provider "${options.name}" (${this.description}) needs a Cloudflare API token in the environment variable ${options.tokenEnv}, which is not set`);
    const { env: _env, name: _name, apiUrl, ...client } = options;
    this.#api = new CloudflareApi({ ...client, url: apiUrl, token: new Secret(token) });
    this.#now = options.now ?? Date.now;
    this.#tokenEnv = options.tokenEnv;
  }

  async capabilities(): Promise<ProviderCapabilities> {
    return CLOUDFLARE_CAPABILITIES;
  }

  async roles(): Promise<Role[]> {
    return (await this.#permissions()).roles();
  }

  async list(): Promise<RemoteKey[]> {
    const [tokens, catalog] = await Promise.all([this.#listTokens(), this.#permissions()]);
    return tokens.map((token) => toRemoteKey(token, catalog, this.#now(), this.#accountId));
  }

  async identity(): Promise<SelfKey | undefined> {
    const verified = await this.#api.call<{ id?: unknown }>('verify the token keyplan runs with', { method: 'GET', path: `${this.#api.tokensPath}/verify` });
    if (typeof verified?.id !== 'string') return undefined;
    const known = (this.#tokens ?? new Map()).get(verified.id);
    return { keyId: verified.id, name: known ? splitNameTag(known.name).name : verified.id, source: `the token in ${this.#tokenEnv}` };
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const action = `create key ${JSON.stringify(input.name)}`;
    const catalog = await this.#permissions();
    const fields = (input.providerFields ?? {}) as KeyFields;
    const policies = refusing(action, () => policiesFor(catalog.groupsFor(input.roles), this.#accountId, fields.resources));
    const createTag = input.idempotencyKey.slice(-10);
    const name = this.#storedName(action, { name: input.name, description: input.description, metadata: { ...input.metadata, [CREATE_TAG]: createTag } });
    // Cloudflare takes a second token of the same name: a repeated create must find the first one.
    const earlier = await this.#recoverCreate(input.name, createTag);
    if (earlier) return earlier;
    const body = { name, policies, ...(fields.condition ? { condition: fields.condition } : {}), ...this.#expiry(input.expires) };
    let token: CloudflareToken & { value?: string };
    try {
      token = await this.#api.call(action, { method: 'POST', path: this.#api.tokensPath, body });
    } catch (error) {
      if (error instanceof ProviderError && (error.kind === 'maybe-committed' || (error.status ?? 0) >= 500)) {
        const recovered = await this.#recoverCreate(input.name, createTag, true);
        if (recovered) return recovered;
      }
      throw error;
    }
    const { value, ...listed } = token;
    if (typeof value !== 'string') throw new ProviderError(`Cloudflare created token ${listed.id} for ${JSON.stringify(input.name)} but its answer carried no value`, 200, 'bad_response', 'maybe-committed');
    this.#tokens?.set(listed.id, listed);
    return { key: toRemoteKey(listed, catalog, this.#now(), this.#accountId), secret: new Secret(value), replayed: false };
  }

  async update(id: string, patch: UpdateKeyInput, etag?: string): Promise<RemoteKey> {
    const action = `update key ${id}`;
    const current = await this.#fetch(id, action);
    if (etag !== undefined && current.modified_on !== undefined && current.modified_on !== etag) {
      throw new ProviderError(`cannot ${action}: the Cloudflare token changed since it was read (modified ${current.modified_on}); run plan again`, 412, 'precondition_failed');
    }
    const catalog = await this.#permissions();
    const stored = splitNameTag(current.name);
    const { [CREATE_TAG]: _create, ...metadata } = stored.metadata;
    const name = this.#storedName(action, { name: patch.name ?? stored.name, description: patch.description ?? stored.description, metadata: patch.metadata ?? metadata });
    const fields = (patch.providerFields ?? {}) as KeyFields;
    const resources = 'resources' in fields ? fields.resources : resourcesOf(current.policies, this.#accountId);
    const condition = 'condition' in fields ? fields.condition : current.condition;
    const regrant = patch.roles !== undefined || 'resources' in fields;
    const policies = regrant ? refusing(action, () => policiesFor(catalog.groupsFor(patch.roles ?? rolesOf(current.policies, catalog)), this.#accountId, resources)) : current.policies;
    const body = {
      name,
      policies,
      ...(current.status === undefined || current.status === 'expired' ? {} : { status: current.status }),
      ...(condition === undefined ? {} : { condition }),
      ...(current.expires_on ? { expires_on: current.expires_on } : {}),
      ...(current.not_before ? { not_before: current.not_before } : {}),
    };
    const updated = await this.#api.call<CloudflareToken>(action, { method: 'PUT', path: `${this.#api.tokensPath}/${encodeURIComponent(id)}`, body });
    this.#tokens?.set(id, updated);
    return toRemoteKey(updated, catalog, this.#now(), this.#accountId);
  }

  async revoke(id: string): Promise<RemoteKey> {
    const action = `revoke key ${id}`;
    const catalog = await this.#permissions();
    const known = this.#tokens?.get(id);
    const found = await currentOrGone(() => this.#fetch(id, action), known);
    if ('gone' in found) return { ...toRemoteKey(found.gone, catalog, this.#now(), this.#accountId), revokedAt: this.#now() };
    const current = found.current;
    await this.#api.call(action, { method: 'DELETE', path: `${this.#api.tokensPath}/${encodeURIComponent(id)}`, body: {} });
    this.#tokens?.delete(id);
    return { ...toRemoteKey(current, catalog, this.#now(), this.#accountId), revokedAt: this.#now() };
  }

  close(): Promise<void> {
    return this.#api.close();
  }

  /** The token of that name carrying this create's tag gets a new value (nobody holds the first one). */
  async #recoverCreate(name: string, createTag: string, fresh = false): Promise<CreatedKey | undefined> {
    const tokens = fresh || !this.#tokens ? await this.#listTokens() : [...this.#tokens.values()];
    const token = tokens.find((t) => splitNameTag(t.name).name === name && createTagOf(t) === createTag);
    if (!token) return undefined;
    const value = await this.#api.call<unknown>(`roll the value of key ${token.id} (${JSON.stringify(name)}), whose create answer was lost`, {
      method: 'PUT',
      path: `${this.#api.tokensPath}/${encodeURIComponent(token.id)}/value`,
      body: {},
    });
    if (typeof value !== 'string') throw new ProviderError(`Cloudflare rolled token ${token.id} but its answer carried no value`, 200, 'bad_response', 'maybe-committed');
    return { key: toRemoteKey(token, await this.#permissions(), this.#now(), this.#accountId), secret: new Secret(value), replayed: true };
  }

  async #listTokens(): Promise<CloudflareToken[]> {
    const tokens = await this.#api.listAll<CloudflareToken>('list API tokens', this.#api.tokensPath);
    this.#tokens = new Map(tokens.map((token) => [token.id, token]));
    return tokens;
  }

  async #fetch(id: string, action: string): Promise<CloudflareToken> {
    try {
      return await this.#api.call<CloudflareToken>(action, { method: 'GET', path: `${this.#api.tokensPath}/${encodeURIComponent(id)}` });
    } catch (error) {
      // Cloudflare answers an unknown id with 404, or with 400 and a "not found" error for ids of the wrong shape.
      if (error instanceof ProviderError && (error.status === 404 || (error.status === 400 && /not.?found|invalid/i.test(error.message)))) {
        throw new ProviderError(`cannot ${action}: Cloudflare has no API token ${id}${this.#accountId === undefined ? '' : ` in account ${this.#accountId}`}`, 404, 'not_found');
      }
      throw error;
    }
  }

  #permissions(): Promise<PermissionCatalog> {
    this.#catalog ??= this.#api
      .call<PermissionGroup[]>('list permission groups', { method: 'GET', path: `${this.#api.tokensPath}/permission_groups` })
      .then((groups) => new PermissionCatalog(Array.isArray(groups) ? groups : []));
    this.#catalog.catch(() => (this.#catalog = undefined));
    return this.#catalog;
  }

  #storedName(action: string, tagged: Parameters<typeof fitNameTag>[0]): string {
    const fit = fitNameTag(tagged);
    if ('tooLong' in fit) throw new ProviderError(`cannot ${action}: ${fit.tooLong}`, 422, 'refused');
    return fit.stored;
  }

  #expiry(expires: Expiry | undefined): { expires_on?: string } {
    if (expires === undefined || expires.kind === 'never') return {};
    const at = expires.kind === 'relative' ? this.#now() + expires.ms : expires.at;
    return { expires_on: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }
}
