/** The `strapi` provider: Strapi 5 API tokens (`/admin/api-tokens`), managed with an admin token or an admin login. */
import { KeyplanError, ProviderError } from '../../core/errors.js';
import type { ProviderCapabilities, RemoteKey, Role } from '../../core/model.js';
import { STRAPI_CAPABILITIES } from './capabilities.js';
import { Secret } from '../../core/secret.js';
import type { ApiRequest, ApiResponse, KeyServiceClient } from '../http-client.js';
import type { CreateKeyInput, CreatedKey, Provider, UpdateKeyInput } from '../provider.js';
import { credentialLabel, openSession, type ClientOptions, type StrapiAuth } from './session.js';
import {
  accessFor,
  createTagOf,
  isDefaultToken,
  lifespanFor,
  rolesFromPermissions,
  storedDescription,
  toRemoteKey,
  type StrapiToken,
  type TokenAccess,
} from './tokens.js';
import { splitDescription } from '../description-tag.js';

export interface StrapiProviderOptions extends ClientOptions {
  name: string;
  auth: StrapiAuth;
  env: NodeJS.ProcessEnv;
}

export class StrapiProvider implements Provider {
  readonly name: string;
  readonly description: string;
  readonly #options: StrapiProviderOptions;
  #session: Promise<KeyServiceClient> | undefined;
  /** The API tokens of the last list, by id: updates keep the tag, revokes touch only ids listed here. */
  #tokens = new Map<string, StrapiToken>();
  #listed = false;

  constructor(options: StrapiProviderOptions) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, '') };
    this.name = options.name;
    this.description = `Strapi ${this.#options.url}`;
    for (const variable of 'tokenEnv' in options.auth ? [options.auth.tokenEnv] : [options.auth.emailEnv, options.auth.passwordEnv]) {
      if (!options.env[variable]?.trim()) {
        throw new KeyplanError(`provider "${options.name}" (${this.description}) needs ${credentialLabel(options.auth).replace(/^the /, 'its ')}: the environment variable ${variable} is not set`);
      }
    }
  }

  async capabilities(): Promise<ProviderCapabilities> {
    return STRAPI_CAPABILITIES;
  }

  async roles(): Promise<Role[]> {
    const reply = await this.#send('read the content-API permissions', { method: 'GET', path: '/admin/content-api/permissions' });
    return rolesFromPermissions(reply.body);
  }

  async list(): Promise<RemoteKey[]> {
    const tokens = await this.#listTokens();
    return tokens.map(toRemoteKey);
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const access = this.#access(input.roles, `create key ${JSON.stringify(input.name)}`);
    let lifespan: number | null;
    try {
      lifespan = lifespanFor(input.expires);
    } catch (error) {
      throw new ProviderError(`cannot create key ${JSON.stringify(input.name)}: ${(error as Error).message}`, 422, 'refused');
    }
    const createTag = input.idempotencyKey.slice(-16);
    const body = { name: input.name, description: storedDescription(input.description, input.metadata, createTag), lifespan, ...access };
    const action = `create key ${JSON.stringify(input.name)}`;
    let reply: ApiResponse;
    try {
      reply = await (await this.#client()).send({ method: 'POST', path: '/admin/api-tokens', body });
    } catch (error) {
      // The answer was lost: the token may exist. Find it by name and create tag, or report the loss.
      if (error instanceof ProviderError && error.kind === 'maybe-committed') {
        const recovered = await this.#recoverCreate(input.name, createTag);
        if (recovered) return recovered;
      }
      throw error;
    }
    if (reply.status === 201) {
      const token = (reply.body as { data: StrapiToken & { accessKey: string } }).data;
      const { accessKey, ...listed } = token;
      this.#tokens.set(String(listed.id), listed);
      return { key: toRemoteKey(listed), secret: new Secret(accessKey), replayed: false };
    }
    if (reply.status >= 500 || nameTaken(reply)) {
      const recovered = await this.#recoverCreate(input.name, createTag);
      if (recovered) return recovered;
    }
    if (nameTaken(reply)) {
      throw new ProviderError(`cannot ${action}: Strapi already has an API token named ${JSON.stringify(input.name)} that this apply did not create; rename or delete it in Strapi, or declare it to adopt it`, 409, 'conflict');
    }
    throw this.#error(reply, action);
  }

  async update(id: string, patch: UpdateKeyInput): Promise<RemoteKey> {
    const action = `update key ${id}`;
    const current = await this.#known(id, action);
    const body: Record<string, unknown> = {};
    if (patch.name !== undefined) body.name = patch.name;
    if (patch.description !== undefined || patch.metadata !== undefined) {
      const stored = splitDescription(current.description);
      const { 'keyplan-create': _create, ...metadata } = stored.metadata;
      body.description = storedDescription(patch.description ?? stored.description, patch.metadata ?? metadata);
    }
    if (patch.roles !== undefined) {
      const access = this.#access(patch.roles, action);
      // Strapi keeps a custom token's permission rows when its type changes: empty them first, or they stay forever.
      if (current.type === 'custom' && access.type !== 'custom' && current.permissions.length > 0) {
        await this.#put(id, { permissions: [] }, action);
      }
      Object.assign(body, access);
    }
    const updated = await this.#put(id, body, action);
    return toRemoteKey(updated);
  }

  async revoke(id: string): Promise<RemoteKey> {
    const action = `revoke key ${id}`;
    const known = this.#tokens.get(id);
    // Only ids of the API-token list are ever deleted: DELETE /admin/api-tokens/:id deletes admin tokens too.
    const current = (await this.#listTokens()).find((token) => String(token.id) === id);
    if (!current) {
      if (known) return { ...toRemoteKey(known), revokedAt: (this.#options.now ?? Date.now)() };
      throw new ProviderError(`cannot ${action}: Strapi lists no API token ${id}`, 404, 'not_found');
    }
    this.#guardDefault(current, action);
    await this.#send(action, { method: 'DELETE', path: `/admin/api-tokens/${encodeURIComponent(id)}` });
    this.#tokens.delete(id);
    return { ...toRemoteKey(current), revokedAt: (this.#options.now ?? Date.now)() };
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session) await session.then((client) => client.close()).catch(() => undefined);
  }

  /** After a lost or refused create: the token of that name carrying this create's tag gets a new secret (nobody holds the old one). */
  async #recoverCreate(name: string, createTag: string): Promise<CreatedKey | undefined> {
    const token = (await this.#listTokens()).find((t) => t.name === name && createTagOf(t) === createTag);
    if (!token) return undefined;
    const reply = await this.#send(`re-issue the secret of key ${token.id} (${JSON.stringify(name)}), whose create answer was lost`, {
      method: 'POST',
      path: `/admin/api-tokens/${encodeURIComponent(String(token.id))}/regenerate`,
    });
    const accessKey = (reply.body as { data?: { accessKey?: unknown } } | undefined)?.data?.accessKey;
    if (typeof accessKey !== 'string') throw new ProviderError(`Strapi re-issued key ${token.id} but its answer carried no secret`, reply.status, 'maybe_committed');
    return { key: toRemoteKey(token), secret: new Secret(accessKey), replayed: true };
  }

  async #listTokens(): Promise<StrapiToken[]> {
    const reply = await this.#send('list API tokens', { method: 'GET', path: '/admin/api-tokens' });
    const data = (reply.body as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data)) throw new ProviderError(`Strapi at ${this.#options.url} answered the token list with no list; is it Strapi 5?`, reply.status, 'bad_response');
    const tokens = (data as StrapiToken[]).filter((token) => token.kind === undefined || token.kind === 'content-api');
    this.#tokens = new Map(tokens.map((token) => [String(token.id), token]));
    this.#listed = true;
    return tokens;
  }

  async #known(id: string, action: string): Promise<StrapiToken> {
    const token = this.#tokens.get(id) ?? (this.#listed ? undefined : (await this.#listTokens()).find((t) => String(t.id) === id));
    if (!token) throw new ProviderError(`cannot ${action}: Strapi lists no API token ${id}`, 404, 'not_found');
    this.#guardDefault(token, action);
    return token;
  }

  #guardDefault(token: StrapiToken, action: string): void {
    if (isDefaultToken(token)) {
      throw new ProviderError(`cannot ${action}: ${JSON.stringify(token.name)} is one of Strapi's default tokens, which keyplan never changes`, 403, 'refused');
    }
  }

  async #put(id: string, body: Record<string, unknown>, action: string): Promise<StrapiToken> {
    const reply = await this.#send(action, { method: 'PUT', path: `/admin/api-tokens/${encodeURIComponent(id)}`, body });
    const token = (reply.body as { data: StrapiToken }).data;
    this.#tokens.set(id, token);
    return token;
  }

  #access(roles: readonly string[], action: string): TokenAccess {
    try {
      return accessFor(roles);
    } catch (error) {
      throw new ProviderError(`cannot ${action}: ${(error as Error).message}`, 422, 'refused');
    }
  }

  #client(): Promise<KeyServiceClient> {
    this.#session ??= openSession(this.name, this.#options.auth, this.#options.env, this.#options);
    this.#session.catch(() => (this.#session = undefined));
    return this.#session;
  }

  /** Sends a request; anything but 2xx becomes a ProviderError. */
  async #send(action: string, request: ApiRequest): Promise<ApiResponse> {
    const reply = await (await this.#client()).send(request);
    if (reply.status >= 200 && reply.status < 300) return reply;
    throw this.#error(reply, action);
  }

  #error(reply: ApiResponse, action: string): ProviderError {
    const error = (reply.body as { error?: { message?: unknown; details?: unknown } } | undefined)?.error;
    const said = typeof error?.message === 'string' ? `: ${error.message}` : '';
    const credential = credentialLabel(this.#options.auth);
    switch (reply.status) {
      case 401:
        return new ProviderError(`Strapi at ${this.#options.url} rejected ${credential} (cannot ${action})${said}`, 401, 'unauthorized');
      case 403:
        return new ProviderError(
          `cannot ${action}: ${credential} lacks a permission; it needs admin::api-tokens.read, create, update, delete and regenerate (Strapi at ${this.#options.url})`,
          403,
          'forbidden',
        );
      case 404:
        return new ProviderError(`cannot ${action}: Strapi at ${this.#options.url} answered 404${said}`, 404, 'not_found');
      case 400:
        return new ProviderError(`cannot ${action}: Strapi refused it${said}${detailsOf(error?.details)}`, 400, 'refused');
      default:
        return new ProviderError(`cannot ${action}: Strapi at ${this.#options.url} answered HTTP ${reply.status}${said}`, reply.status);
    }
  }
}

function nameTaken(reply: ApiResponse): boolean {
  const message = (reply.body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return reply.status === 400 && message === 'Name already taken';
}

function detailsOf(details: unknown): string {
  const errors = (details as { errors?: { path?: unknown; message?: unknown }[] } | undefined)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return '';
  return ` (${errors.map((e) => `${Array.isArray(e.path) ? e.path.join('.') : ''}: ${String(e.message)}`).join('; ')})`;
}
