/** The `gitlab` provider: personal access tokens of a user, or the access tokens of a project or group. */
import { KeyplanError, ProviderError } from '../../core/errors.js';
import type { Expiry, ProviderCapabilities, RemoteKey, Role } from '../../core/model.js';
import type { SelfKey } from '../../core/plan-refusals.js';
import { Secret } from '../../core/secret.js';
import { currentOrGone, refusing } from '../token-service.js';
import type { CreateKeyInput, CreatedKey, Provider, UpdateKeyInput } from '../provider.js';
import { RETIRING_FOR_KEY } from '../../core/ownership.js';
import { gitlabCapabilities } from './capabilities.js';
import { GitLabApi, type GitLabClientOptions } from './client.js';
import { ACCESS_LEVELS, gitlabRoles, grantFor } from './scopes.js';
import type { GitLabSettings, GitLabTarget } from './settings.js';
import { CREATE_TAG, EXPIRY_TAG, LEVEL_TAG, hiddenTag, storedDescription, toRemoteKey, toRemoteKeys, type GitLabToken } from './tokens.js';

export interface GitLabProviderOptions extends Omit<GitLabClientOptions, 'token' | 'url'>, Pick<GitLabSettings, 'url' | 'target' | 'maxLifetimeMs' | 'expiryRequired'> {
  name: string;
  env: NodeJS.ProcessEnv;
}

interface Paths {
  /** Where the tokens are listed, and with which query. */
  list: { path: string; query: Record<string, string> };
  create: string;
  one(id: string): string;
  withLevels: boolean;
  /** For messages: `project acme/app`. */
  label: string;
}

export class GitLabProvider implements Provider {
  readonly name: string;
  readonly description: string;
  readonly #api: GitLabApi;
  readonly #options: GitLabProviderOptions;
  readonly #now: () => number;
  #paths: Promise<Paths> | undefined;
  #tokens: Map<string, GitLabToken> | undefined;

  constructor(options: GitLabProviderOptions) {
    this.name = options.name;
    this.#options = options;
    this.description = `GitLab ${options.url} ${options.target.kind} ${options.target.ref}`;
    const token = options.env[options.tokenEnv]?.trim();
    if (!token) throw new KeyplanError(`provider "${options.name}" (${this.description}) needs a GitLab token in the environment variable ${options.tokenEnv}, which is not set`);
    const { env: _env, name: _name, target: _target, maxLifetimeMs: _max, expiryRequired: _required, ...client } = options;
    this.#api = new GitLabApi({ ...client, token: new Secret(token) });
    this.#now = options.now ?? Date.now;
  }

  async capabilities(): Promise<ProviderCapabilities> {
    return gitlabCapabilities(this.#options);
  }

  async roles(): Promise<Role[]> {
    return gitlabRoles(this.#options.target.kind !== 'user');
  }

  async list(): Promise<RemoteKey[]> {
    return toRemoteKeys((await this.#listTokens()).filter((t) => !t.revoked));
  }

  async identity(): Promise<SelfKey | undefined> {
    const self = await this.#api.call<{ id?: unknown; name?: unknown }>('read which token keyplan runs with', { method: 'GET', path: '/personal_access_tokens/self' });
    if (typeof self?.id !== 'number') return undefined;
    return { keyId: String(self.id), name: typeof self.name === 'string' ? self.name : String(self.id), source: `the token in ${this.#options.tokenEnv}` };
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const action = `create key ${JSON.stringify(input.name)}`;
    const paths = await this.#targetPaths();
    const grant = refusing(action, () => grantFor(input.roles, paths.withLevels, input.providerFields?.access_level));
    const expiresAt = this.#expiresAt(input.expires, action);
    const createTag = input.idempotencyKey.slice(-10);
    const hidden = { [CREATE_TAG]: createTag, ...(grant.levelInRoles ? { [LEVEL_TAG]: grant.level } : {}), ...(expiresAt === undefined ? {} : { [EXPIRY_TAG]: String(expiresAt) }) };
    const description = storedDescription(input.description, { ...input.metadata, ...hidden });
    if ('tooLong' in description) throw new ProviderError(`cannot ${action}: ${description.tooLong}`, 422, 'refused');
    // GitLab takes a second token of the same name: a repeated create must find the first one.
    const earlier = await this.#recoverCreate(input.name, createTag, paths);
    if (earlier) return earlier;
    const body = {
      name: input.name,
      description: description.stored,
      scopes: grant.scopes,
      ...(grant.level ? { access_level: ACCESS_LEVELS[grant.level] } : {}),
      ...(expiresAt === undefined ? {} : { expires_at: new Date(expiresAt).toISOString().slice(0, 10) }),
    };
    let created: GitLabToken & { token?: string };
    try {
      created = await this.#api.call(action, { method: 'POST', path: paths.create, body }, `GitLab has no ${paths.label}`);
    } catch (error) {
      if (error instanceof ProviderError && (error.kind === 'maybe-committed' || (error.status ?? 0) >= 500)) {
        const recovered = await this.#recoverCreate(input.name, createTag, paths, true);
        if (recovered) return recovered;
      }
      throw error;
    }
    const { token: value, ...listed } = created;
    if (typeof value !== 'string') throw new ProviderError(`GitLab created token ${listed.id} but its answer carried no value`, 201, 'bad_response', 'maybe-committed');
    this.#tokens?.set(String(listed.id), listed);
    return { key: toRemoteKey(listed), secret: new Secret(value), replayed: false };
  }

  /**
   * Nothing can change in place. The one edit accepted is a rotation's retirement of the old token, which only
   * renames it aside in keyplan's view: the replacement carries the retirement (retireMarks `on-replacement`).
   */
  async update(id: string, patch: UpdateKeyInput): Promise<RemoteKey> {
    const action = `update key ${id}`;
    const current = (await this.list()).find((key) => key.id === id);
    if (!current) throw new ProviderError(`cannot ${action}: GitLab has no access token ${id} for ${(await this.#targetPaths()).label} (revoked out of band?)`, 404, 'not_found');
    if (patch.description === undefined && patch.roles === undefined && patch.metadata?.[RETIRING_FOR_KEY] !== undefined) {
      return { ...current, ...(patch.name === undefined ? {} : { name: patch.name }), metadata: patch.metadata };
    }
    throw new ProviderError(`cannot ${action}: GitLab edits nothing of an access token in place (it only revokes and rotates); keyplan plans a rotation for any change`, 422, 'refused');
  }

  async revoke(id: string): Promise<RemoteKey> {
    const action = `revoke key ${id}`;
    const paths = await this.#targetPaths();
    const known = this.#tokens?.get(id);
    const found = await currentOrGone(() => this.#fetch(id, action, paths), known);
    if ('gone' in found) return { ...toRemoteKey(found.gone), revokedAt: this.#now() };
    const current = found.current;
    if (!current.revoked) await this.#api.call(action, { method: 'DELETE', path: paths.one(id) }, `GitLab has no access token ${id} for ${paths.label}`);
    this.#tokens?.delete(id);
    return { ...toRemoteKey(current), revokedAt: this.#now() };
  }

  close(): Promise<void> {
    return this.#api.close();
  }

  /** A token of that name with this create's tag is replaced by a fresh one (GitLab's rotate: nobody holds the first value). */
  async #recoverCreate(name: string, createTag: string, paths: Paths, fresh = false): Promise<CreatedKey | undefined> {
    const tokens = fresh || !this.#tokens ? await this.#listTokens() : [...this.#tokens.values()];
    const token = tokens.find((t) => !t.revoked && t.name === name && hiddenTag(t, CREATE_TAG) === createTag);
    if (!token) return undefined;
    const rotated = await this.#api.call<GitLabToken & { token?: string }>(`re-issue key ${token.id} (${JSON.stringify(name)}), whose create answer was lost`, {
      method: 'POST',
      path: `${paths.one(String(token.id))}/rotate`,
      body: token.expires_at === null ? {} : { expires_at: token.expires_at },
    });
    const { token: value, ...listed } = rotated;
    if (typeof value !== 'string') throw new ProviderError(`GitLab rotated token ${token.id} but its answer carried no value`, 200, 'bad_response', 'maybe-committed');
    this.#tokens?.delete(String(token.id));
    this.#tokens?.set(String(listed.id), listed);
    return { key: toRemoteKey(listed), secret: new Secret(value), replayed: true };
  }

  async #listTokens(): Promise<GitLabToken[]> {
    const paths = await this.#targetPaths();
    const tokens = await this.#api.listAll<GitLabToken>(`list the access tokens of ${paths.label}`, paths.list.path, paths.list.query);
    this.#tokens = new Map(tokens.map((t) => [String(t.id), t]));
    return tokens;
  }

  async #fetch(id: string, action: string, paths: Paths): Promise<GitLabToken> {
    if (!/^\d+$/.test(id)) throw new ProviderError(`cannot ${action}: GitLab token ids are numbers, not ${JSON.stringify(id)}`, 404, 'not_found');
    try {
      const token = await this.#api.call<GitLabToken>(action, { method: 'GET', path: paths.one(id) });
      if (this.#options.target.kind === 'user' && String(token.user_id) !== (await this.#userId())) throw new ProviderError(`cannot ${action}: token ${id} is not one of ${paths.label}'s`, 404, 'not_found');
      return token;
    } catch (error) {
      // GitLab answers a token that is not yours, or not there, with 401 for non-administrators.
      if (error instanceof ProviderError && (error.status === 404 || error.status === 401)) {
        throw new ProviderError(`cannot ${action}: GitLab has no access token ${id} for ${paths.label}`, 404, 'not_found');
      }
      throw error;
    }
  }

  #targetPaths(): Promise<Paths> {
    this.#paths ??= this.#resolve(this.#options.target);
    this.#paths.catch(() => (this.#paths = undefined));
    return this.#paths;
  }

  async #resolve(target: GitLabTarget): Promise<Paths> {
    if (target.kind === 'user') {
      const uid = await this.#userId();
      return {
        list: { path: '/personal_access_tokens', query: { user_id: uid } },
        create: `/users/${uid}/personal_access_tokens`,
        one: (id) => `/personal_access_tokens/${encodeURIComponent(id)}`,
        withLevels: false,
        label: `user ${target.ref}`,
      };
    }
    const base = `/${target.kind}s/${encodeURIComponent(target.ref)}/access_tokens`;
    return { list: { path: base, query: {} }, create: base, one: (id) => `${base}/${encodeURIComponent(id)}`, withLevels: true, label: `${target.kind} ${target.ref}` };
  }

  #userIdPromise: Promise<string> | undefined;

  #userId(): Promise<string> {
    const { ref } = this.#options.target;
    this.#userIdPromise ??= /^\d+$/.test(ref)
      ? Promise.resolve(ref)
      : this.#api.call<{ id: number; username: string }[]>(`find user ${ref}`, { method: 'GET', path: '/users', query: { username: ref } }).then((users) => {
          const user = Array.isArray(users) ? users.find((u) => u.username.toLowerCase() === ref.toLowerCase()) : undefined;
          if (!user) throw new ProviderError(`GitLab (${this.#options.url}) has no user ${JSON.stringify(ref)}`, 404, 'not_found');
          return String(user.id);
        });
    this.#userIdPromise.catch(() => (this.#userIdPromise = undefined));
    return this.#userIdPromise;
  }

  /** The instant asked for (GitLab keeps its date), checked against the instance's limits. */
  #expiresAt(expires: Expiry | undefined, action: string): number | undefined {
    if (expires === undefined) return undefined;
    if (expires.kind === 'never') {
      if (this.#options.expiryRequired) throw new ProviderError(`cannot ${action}: GitLab requires access tokens to expire (expiry_required)`, 422, 'refused');
      return undefined;
    }
    const at = expires.kind === 'relative' ? this.#now() + expires.ms : expires.at;
    if (at - this.#now() > this.#options.maxLifetimeMs) {
      throw new ProviderError(`cannot ${action}: expires ${expires.text} is beyond GitLab's maximum token lifetime of ${Math.floor(this.#options.maxLifetimeMs / 86_400_000)}d`, 422, 'refused');
    }
    return at;
  }
}
