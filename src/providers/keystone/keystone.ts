/** The `keystone` provider: OpenStack Keystone application credentials of the user keyplan authenticates as. */
import { ProviderError } from '../../core/errors.js';
import type { ProviderCapabilities, RemoteKey, Role } from '../../core/model.js';
import { MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../../core/model.js';
import { RETIRING_FOR_KEY } from '../../core/ownership.js';
import type { SelfKey } from '../../core/plan-refusals.js';
import { Secret } from '../../core/secret.js';
import { KeyServiceClient, type ApiRequest, type ApiResponse, type KeyServiceClientOptions } from '../http-client.js';
import type { CreateKeyInput, CreatedKey, Provider, UpdateKeyInput } from '../provider.js';
import { KEYSTONE_CAPABILITIES } from './capabilities.js';
import { expiresAtFor, generatedName, storedDescription, toRemoteKeys, type AppCredential } from './credentials.js';
import type { KeystoneAuth } from './os-config.js';
import { openSession, type KeystoneSession } from './session.js';

export interface KeystoneProviderOptions extends Omit<KeyServiceClientOptions, 'url' | 'token' | 'serviceLabel'> {
  name: string;
  auth: KeystoneAuth;
  now?: () => number;
}

export class KeystoneProvider implements Provider {
  readonly name: string;
  readonly description: string;
  readonly #auth: KeystoneAuth;
  readonly #client: KeyServiceClient;
  readonly #now: () => number;
  #session: Promise<KeystoneSession> | undefined;
  /** The credentials of the last list, by id. */
  #credentials = new Map<string, AppCredential>();

  constructor(options: KeystoneProviderOptions) {
    const { name, auth, ...transport } = options;
    this.name = name;
    this.#auth = auth;
    this.description = `Keystone ${auth.authUrl}`;
    this.#now = options.now ?? Date.now;
    this.#client = new KeyServiceClient({ ...transport, url: auth.authUrl, serviceLabel: 'Keystone' });
  }

  async capabilities(): Promise<ProviderCapabilities> {
    return KEYSTONE_CAPABILITIES;
  }

  /** The project roles the credential holds (those a new credential may get), each with the roles it implies. */
  async roles(): Promise<Role[]> {
    const session = await this.#login();
    const implies = new Map<string, string[]>();
    const reply = await this.#request({ method: 'GET', path: '/role_inferences' });
    // Only an admin may read the inference rules: without them each role grants itself.
    if (reply.status === 200) {
      for (const rule of (reply.body as { role_inferences?: { prior_role: { name: string }; implies: { name: string }[] }[] }).role_inferences ?? []) {
        implies.set(rule.prior_role.name, rule.implies.map((role) => role.name));
      }
    }
    const closure = (role: string, seen = new Set<string>()): string[] => {
      if (seen.has(role)) return [];
      seen.add(role);
      return [role, ...(implies.get(role) ?? []).flatMap((next) => closure(next, seen))];
    };
    return [...new Set(session.roles)].sort().map((role) => {
      const implied = closure(role).slice(1);
      return {
        name: role,
        description: `Keystone role on project ${session.projectName}${implied.length > 0 ? `; implies ${implied.join(', ')}` : ''}`,
        permissions: [...new Set(closure(role))].sort(),
      };
    });
  }

  async list(): Promise<RemoteKey[]> {
    return toRemoteKeys(await this.#listCredentials());
  }

  async identity(): Promise<SelfKey | undefined> {
    const id = this.#auth.applicationCredentialId;
    if (!id) return undefined;
    const key = (await this.list()).find((k) => k.id === id);
    return { keyId: id, name: key?.name ?? id, source: `the application credential in ${this.#auth.source}` };
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const action = `create key ${JSON.stringify(input.name)}`;
    const name = generatedName(input.name, input.idempotencyKey);
    const first = await this.#post(input, name);
    if (first.status === 201) return this.#created(first, false);
    if (first.status === 409) {
      // A repeated create (its answer was lost): the first credential's secret reached nobody, so replace it.
      const earlier = (await this.#listCredentials()).find((c) => c.name === name);
      if (earlier && earlier.description?.includes(`${MANAGED_BY_KEY}=${MANAGED_BY_VALUE}`)) {
        await this.#delete(earlier.id, `replace key ${earlier.id} (${JSON.stringify(input.name)}), whose create answer was lost`);
        const again = await this.#post(input, name);
        if (again.status === 201) return this.#created(again, true);
        throw this.#error(again, action);
      }
      throw new ProviderError(`cannot ${action}: Keystone already has an application credential named ${JSON.stringify(name)} that keyplan did not create; delete or rename it in Keystone`, 409, 'conflict');
    }
    if (first.status === 404 || first.status === 400) {
      const said = (first.body as { error?: { message?: unknown } } | undefined)?.error?.message;
      throw new ProviderError(
        `cannot ${action}: Keystone refused it: ${String(said ?? `HTTP ${first.status}`)} (roles must be ones the user holds on the project, as keyplan roles lists them; an expiry must be in the future)`,
        first.status,
        'refused_create',
        'refused',
      );
    }
    throw this.#error(first, action);
  }

  /**
   * Nothing can change in place. The one edit accepted is a rotation's retirement of the old key, which only
   * renames it aside in keyplan's view: the replacement carries the retirement (retireMarks `on-replacement`).
   */
  async update(id: string, patch: UpdateKeyInput): Promise<RemoteKey> {
    const action = `update key ${id}`;
    const current = (await this.list()).find((key) => key.id === id);
    if (!current) throw new ProviderError(`cannot ${action}: Keystone has no application credential ${id} (deleted out of band?)`, 404, 'not_found');
    if (patch.description === undefined && patch.roles === undefined && patch.metadata?.[RETIRING_FOR_KEY] !== undefined) {
      return { ...current, ...(patch.name === undefined ? {} : { name: patch.name }), metadata: patch.metadata };
    }
    throw new ProviderError(`cannot ${action} (${current.name}): Keystone cannot change an application credential in place; keyplan rotates it instead`, 405, 'not_editable', 'refused');
  }

  async revoke(id: string): Promise<RemoteKey> {
    const action = `revoke key ${id}`;
    const known = this.#credentials.get(id) ?? (await this.#listCredentials()).find((c) => c.id === id);
    if (!known) throw new ProviderError(`cannot ${action}: Keystone has no application credential ${id} (deleted out of band?)`, 404, 'not_found');
    const key = toRemoteKeys([known])[0] as RemoteKey;
    await this.#delete(id, `${action} (${key.name})`);
    this.#credentials.delete(id);
    return { ...key, revokedAt: this.#now() };
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  #post(input: CreateKeyInput, name: string): Promise<ApiResponse> {
    const now = this.#now();
    const extra = input.providerFields ?? {};
    const body = {
      application_credential: {
        name,
        description: storedDescription(input.description, input.metadata, now),
        roles: input.roles.map((role) => ({ name: role })),
        expires_at: expiresAtFor(input.expires, now),
        ...(extra.unrestricted === true ? { unrestricted: true } : {}),
        ...(Array.isArray(extra.access_rules) ? { access_rules: extra.access_rules } : {}),
      },
    };
    return this.#userRequest({ method: 'POST', path: '/application_credentials', body });
  }

  #created(reply: ApiResponse, replayed: boolean): CreatedKey {
    const { secret, ...credential } = (reply.body as { application_credential: AppCredential & { secret: string } }).application_credential;
    this.#credentials.set(credential.id, credential);
    return { key: toRemoteKeys([credential])[0] as RemoteKey, secret: new Secret(secret), replayed };
  }

  async #delete(id: string, action: string): Promise<void> {
    const reply = await this.#userRequest({ method: 'DELETE', path: `/application_credentials/${encodeURIComponent(id)}` });
    if (reply.status !== 204) throw this.#error(reply, action);
  }

  async #listCredentials(): Promise<AppCredential[]> {
    const session = await this.#login();
    const reply = await this.#userRequest({ method: 'GET', path: '/application_credentials' });
    if (reply.status !== 200) throw this.#error(reply, 'list application credentials');
    const all = (reply.body as { application_credentials?: AppCredential[] }).application_credentials;
    if (!Array.isArray(all)) throw new ProviderError(`Keystone at ${this.#auth.authUrl} answered the credential list with no list`, reply.status, 'bad_response');
    // A user's credentials for other projects are not this provider's keys.
    const credentials = all.filter((c) => c.project_id === undefined || c.project_id === session.projectId);
    this.#credentials = new Map(credentials.map((c) => [c.id, c]));
    return credentials;
  }

  async #userRequest(request: ApiRequest): Promise<ApiResponse> {
    const session = await this.#login();
    return this.#request({ ...request, path: `/users/${encodeURIComponent(session.userId)}${request.path}` });
  }

  async #request(request: ApiRequest): Promise<ApiResponse> {
    const session = await this.#login();
    return this.#client.send({ ...request, headers: { ...request.headers, 'x-auth-token': session.token.reveal() } });
  }

  #login(): Promise<KeystoneSession> {
    this.#session ??= openSession(this.#client, this.#auth);
    this.#session.catch(() => (this.#session = undefined));
    return this.#session;
  }

  #error(reply: ApiResponse, action: string): ProviderError {
    const said = (reply.body as { error?: { message?: unknown } } | undefined)?.error?.message;
    const detail = typeof said === 'string' ? `: ${said}` : '';
    switch (reply.status) {
      case 401:
        return new ProviderError(`cannot ${action}: Keystone at ${this.#auth.authUrl} rejected the credential from ${this.#auth.source} (expired, wrong or deleted)${detail}`, 401, 'unauthorized');
      case 403:
        return new ProviderError(
          `cannot ${action}: Keystone forbids it${detail}. Only a password or an unrestricted application credential may create or delete application credentials (read from ${this.#auth.source})`,
          403,
          'forbidden',
        );
      case 404:
        return new ProviderError(`cannot ${action}: Keystone answered 404${detail} (an unknown role, or a credential deleted out of band)`, 404, 'not_found');
      case 400:
        return new ProviderError(`cannot ${action}: Keystone refused it${detail} (roles must be ones the user holds on the project: keyplan roles lists them; expiry in UTC and in the future)`, 400, 'refused');
      case 409:
        return new ProviderError(`cannot ${action}: Keystone reports a conflict${detail}`, 409, 'conflict');
      default:
        return new ProviderError(`cannot ${action}: Keystone at ${this.#auth.authUrl} answered HTTP ${reply.status}${detail}`, reply.status);
    }
  }
}
