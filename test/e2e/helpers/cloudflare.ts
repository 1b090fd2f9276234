/**
 * A stateful stand-in for Cloudflare's API-token endpoints (user tokens and account-owned tokens), checked
 * against Cloudflare's own OpenAPI description (test/fixtures/vendor/cloudflare/). What keyplan creates, a
 * later plan lists; a token's value works (`use`) until it is deleted, rolled, disabled or expired, and
 * using it records `last_used_on`. Authentication and permissions are checked as Cloudflare does: the
 * bearer token must hold API Tokens Write/Read (user) or Account API Tokens Write/Read (account).
 */
import { randomBytes } from 'node:crypto';
import { ContractStandIn, loadDescription, type StandInReply, type StandInRequest } from './contract-stand-in.js';

export const CLOUDFLARE_ACCOUNT = '0123456789abcdef0123456789abcdef';

export const PERMISSION_GROUPS = [
  { id: 'c8fed203ed3043cba015a93ad1616f1f', name: 'Zone Read', scopes: ['com.cloudflare.api.account.zone'] },
  { id: '4755a26eedb94da69e1066d98aa820be', name: 'DNS Write', scopes: ['com.cloudflare.api.account.zone'] },
  { id: '82e64a83756745bbbb1c9c2701bf816b', name: 'DNS Read', scopes: ['com.cloudflare.api.account.zone'] },
  { id: 'e086da7e2179491d91ee5f35b3ca210a', name: 'Workers Scripts Write', scopes: ['com.cloudflare.api.account'] },
  { id: '1a71c399035b4950a1bd1466bbe4f420', name: 'Workers Scripts Read', scopes: ['com.cloudflare.api.account'] },
  { id: '9d24387c6e8544e2bc4024a03991339f', name: 'Load Balancers Read', scopes: ['com.cloudflare.api.account'] },
  { id: 'e9a975f628014f1d85b723993116f7d5', name: 'Load Balancers Read', scopes: ['com.cloudflare.api.account.zone'] },
  { id: '686d18d5ac6c441c867cbf6771e58a0a', name: 'API Tokens Write', scopes: ['com.cloudflare.api.user'] },
  { id: '0cc3a61731504c89b99ec1be78b77aa0', name: 'API Tokens Read', scopes: ['com.cloudflare.api.user'] },
  { id: '5bc3f8b21c554832afc660fa74c4e8b7', name: 'Account API Tokens Write', scopes: ['com.cloudflare.api.account'] },
  { id: 'b1b1b1b1c2c2c2c2d3d3d3d3e4e4e4e4', name: 'Account API Tokens Read', scopes: ['com.cloudflare.api.account'] },
];

export interface StandInToken {
  id: string;
  name: string;
  status: 'active' | 'disabled' | 'expired';
  issued_on: string;
  modified_on: string;
  expires_on?: string;
  not_before?: string;
  last_used_on?: string;
  policies: { id: string; effect: 'allow' | 'deny'; permission_groups: { id: string; name: string }[]; resources: Record<string, unknown> }[];
  condition?: Record<string, unknown>;
  /** `user` or the account id. */
  owner: string;
  value: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const ok = (result: unknown, extra: Record<string, unknown> = {}): StandInReply => ({ status: 200, body: { success: true, errors: [], messages: [], result, ...extra } });
const failure = (status: number, code: number, message: string, headers?: Record<string, string>): StandInReply => ({
  status,
  body: { success: false, errors: [{ code, message }], messages: [], result: null },
  ...(headers ? { headers } : {}),
});

export class CloudflareStandIn extends ContractStandIn {
  readonly tokens = new Map<string, StandInToken>();
  /** The token keyplan runs with for user tokens (holds API Tokens Write). */
  userAdmin!: StandInToken;
  /** The account-owned token keyplan runs with for account tokens (holds Account API Tokens Write). */
  accountAdmin!: StandInToken;
  now: () => number = Date.now;

  private constructor() {
    super(loadDescription('cloudflare/api-tokens.openapi.yaml'), '/client/v4');
  }

  static async start(): Promise<CloudflareStandIn> {
    const standIn = new CloudflareStandIn();
    standIn.userAdmin = standIn.seed({ name: 'keyplan-admin', roles: ['API Tokens Write'], owner: 'user' });
    standIn.accountAdmin = standIn.seed({ name: 'keyplan-account-admin', roles: ['Account API Tokens Write'], owner: CLOUDFLARE_ACCOUNT });
    await standIn.listen();
    return standIn;
  }

  /** Makes a token straight in the state (as someone would in the dashboard). */
  seed(options: { name: string; roles: string[]; owner?: string; expiresOn?: string; status?: StandInToken['status'] }): StandInToken {
    const groups = options.roles.map((role) => PERMISSION_GROUPS.find((g) => g.name === role) ?? { id: hex(16), name: role, scopes: [] });
    const token = this.#newToken(options.name, [{ effect: 'allow', permission_groups: groups.map(({ id }) => ({ id })), resources: { 'com.cloudflare.api.account.*': '*' } }], options.owner ?? 'user');
    if (options.expiresOn) token.expires_on = options.expiresOn;
    if (options.status) token.status = options.status;
    return token;
  }

  /** A consumer calling Cloudflare with `value`: true when accepted (and `last_used_on` recorded). */
  use(value: string): boolean {
    const token = [...this.tokens.values()].find((t) => t.value === value);
    if (!token || !this.#live(token)) return false;
    token.last_used_on = iso(this.now());
    return true;
  }

  /** Deletes a token outside keyplan (the dashboard's "Delete"). */
  deleteToken(id: string): void {
    this.tokens.delete(id);
  }

  ownedBy(owner: string): StandInToken[] {
    return [...this.tokens.values()].filter((t) => t.owner === owner);
  }

  protected invalid(breaches: string[]): StandInReply {
    return failure(400, 6003, `Invalid request headers or body: ${breaches.join('; ')}`);
  }

  protected notFound(): StandInReply {
    return failure(404, 7003, 'No route for the URI');
  }

  protected route(request: StandInRequest): StandInReply {
    const { op } = request;
    const account = /^\/accounts\/([^/]+)\//.exec(request.path)?.[1];
    const owner = account ?? 'user';
    const caller = this.#caller(request.headers.authorization);
    if (!caller) return failure(401, 1000, 'Invalid API Token');
    if (op.operationId.endsWith('verify-token')) {
      if (caller.owner !== owner) return failure(401, 1000, 'Invalid API Token');
      return ok({ id: caller.id, status: caller.status, ...(caller.expires_on ? { expires_on: caller.expires_on } : {}) });
    }
    if (account !== undefined && account !== CLOUDFLARE_ACCOUNT) return failure(403, 9109, 'Unauthorized to access requested resource');
    const write = request.method !== 'GET';
    const needs = owner === 'user' ? ['API Tokens Write', ...(write ? [] : ['API Tokens Read'])] : ['Account API Tokens Write', ...(write ? [] : ['Account API Tokens Read'])];
    if (!this.#holds(caller, needs) || (owner !== 'user' && caller.owner !== owner)) return failure(403, 9109, 'Unauthorized to access requested resource');

    const tokenId = op.pathParams.token_id;
    const found = tokenId === undefined ? undefined : this.tokens.get(tokenId);
    if (tokenId !== undefined && (!found || found.owner !== owner)) return failure(404, 1003, 'Invalid API Token ID');
    const token = found as StandInToken;
    switch (op.operationId.replace(/^(account-|user-)api-tokens-|^permission-groups-/, '')) {
      case 'list-permission-groups':
        return ok(PERMISSION_GROUPS, { result_info: { page: 1, per_page: PERMISSION_GROUPS.length, count: PERMISSION_GROUPS.length, total_count: PERMISSION_GROUPS.length } });
      case 'list-tokens':
        return this.#list(owner, request.query);
      case 'create-token':
        return this.#create(owner, request.body as Record<string, unknown>);
      case 'token-details':
        return ok(this.#view(token));
      case 'update-token':
        return this.#update(token, request.body as Record<string, unknown>);
      case 'roll-token':
        token.value = this.#newValue();
        token.modified_on = iso(this.now());
        return ok(token.value);
      case 'delete-token':
        this.tokens.delete(token.id);
        return ok({ id: token.id });
      default:
        return this.notFound();
    }
  }

  #list(owner: string, query: URLSearchParams): StandInReply {
    const page = Number(query.get('page') ?? '1');
    const perPage = Number(query.get('per_page') ?? '20');
    const all = this.ownedBy(owner).sort((a, b) => a.issued_on.localeCompare(b.issued_on) || a.id.localeCompare(b.id));
    const slice = all.slice((page - 1) * perPage, page * perPage);
    return ok(slice.map((t) => this.#view(t)), { result_info: { page, per_page: perPage, count: slice.length, total_count: all.length } });
  }

  #create(owner: string, body: Record<string, unknown>): StandInReply {
    const policies = this.#policies(body.policies);
    if (typeof policies === 'string') return failure(400, 1001, policies);
    const token = this.#newToken(String(body.name), policies, owner);
    if (typeof body.expires_on === 'string') token.expires_on = body.expires_on;
    if (typeof body.not_before === 'string') token.not_before = body.not_before;
    if (body.condition && typeof body.condition === 'object') token.condition = body.condition as Record<string, unknown>;
    return ok({ ...this.#view(token), value: token.value });
  }

  #update(token: StandInToken, body: Record<string, unknown>): StandInReply {
    const policies = this.#policies(body.policies);
    if (typeof policies === 'string') return failure(400, 1001, policies);
    token.name = String(body.name);
    token.policies = policies;
    if (body.status === 'active' || body.status === 'disabled') token.status = body.status;
    if (typeof body.expires_on === 'string') token.expires_on = body.expires_on;
    else delete token.expires_on;
    if (typeof body.not_before === 'string') token.not_before = body.not_before;
    if (body.condition && typeof body.condition === 'object') token.condition = body.condition as Record<string, unknown>;
    token.modified_on = iso(Math.max(this.now(), Date.parse(token.modified_on) + 1));
    return ok(this.#view(token));
  }

  /** Cloudflare's own checks beyond the schema: known permission groups, at least one. */
  #policies(value: unknown): StandInToken['policies'] | string {
    if (!Array.isArray(value) || value.length === 0) return 'policies: at least one policy is required';
    const policies: StandInToken['policies'] = [];
    for (const policy of value as { effect: 'allow' | 'deny'; permission_groups: { id: string }[]; resources: Record<string, unknown> }[]) {
      const groups = [];
      for (const { id } of policy.permission_groups) {
        const group = PERMISSION_GROUPS.find((g) => g.id === id);
        if (!group) return `policies: unknown permission group ${id}`;
        groups.push({ id: group.id, name: group.name });
      }
      policies.push({ id: hex(16), effect: policy.effect, permission_groups: groups, resources: policy.resources });
    }
    return policies;
  }

  #newToken(name: string, policies: { effect: 'allow' | 'deny'; permission_groups: { id: string; name?: string }[]; resources: Record<string, unknown> }[], owner: string): StandInToken {
    const at = iso(this.now());
    const token: StandInToken = {
      id: hex(16),
      name,
      status: 'active',
      issued_on: at,
      modified_on: at,
      policies: policies.map((p) => ({ id: hex(16), effect: p.effect, resources: p.resources, permission_groups: p.permission_groups.map((g) => ({ id: g.id, name: g.name ?? PERMISSION_GROUPS.find((k) => k.id === g.id)?.name ?? g.id })) })),
      owner,
      value: this.#newValue(),
    };
    this.tokens.set(token.id, token);
    return token;
  }

  #newValue(): string {
    const value = randomBytes(30).toString('base64url');
    this.issued(value);
    return value;
  }

  #view(token: StandInToken): Record<string, unknown> {
    const { owner: _owner, value: _value, ...listed } = token;
    return { ...listed, status: this.#live(token) || token.status === 'disabled' ? token.status : 'expired' };
  }

  #live(token: StandInToken): boolean {
    if (token.status !== 'active') return false;
    if (token.expires_on && Date.parse(token.expires_on) <= this.now()) return false;
    return !(token.not_before && Date.parse(token.not_before) > this.now());
  }

  #caller(authorization: string | undefined): StandInToken | undefined {
    const value = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const token = value === undefined ? undefined : [...this.tokens.values()].find((t) => t.value === value);
    return token && this.#live(token) ? token : undefined;
  }

  #holds(token: StandInToken, names: string[]): boolean {
    return token.policies.some((p) => p.effect === 'allow' && p.permission_groups.some((g) => names.includes(g.name)));
  }
}
