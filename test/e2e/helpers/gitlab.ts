/**
 * A stateful stand-in for GitLab's access-token endpoints (personal, project and group access tokens),
 * checked against the vendored description transcribed from GitLab's REST documentation
 * (test/fixtures/vendor/gitlab/). What keyplan creates, a later plan lists; revoked tokens stay listed as
 * GitLab lists them; a value works (`use`, recording `last_used_at`) until revoked, rotated or expired.
 * The token keyplan runs with is the administrator `root`'s personal access token.
 */
import { randomBytes } from 'node:crypto';
import { ContractStandIn, loadDescription, type StandInReply, type StandInRequest } from './contract-stand-in.js';

export interface GitLabStandInToken {
  id: number;
  name: string;
  revoked: boolean;
  active: boolean;
  created_at: string;
  description: string | null;
  scopes: string[];
  user_id: number;
  last_used_at: string | null;
  expires_at: string | null;
  access_level?: number;
  /** `user`, `project` or `group`, and the owning project or group id. */
  kind: 'user' | 'project' | 'group';
  resource?: number;
  value: string;
}

const DAY = 86_400_000;
const message = (status: number, text: unknown): StandInReply => ({ status, body: { message: text } });

export class GitLabStandIn extends ContractStandIn {
  readonly tokens = new Map<number, GitLabStandInToken>();
  readonly users = [
    { id: 1, username: 'root', name: 'Administrator', state: 'active', admin: true },
    { id: 2, username: 'alice', name: 'Alice', state: 'active', admin: false },
  ];
  readonly projects = [{ id: 10, path: 'acme/app' }];
  readonly groups = [{ id: 20, path: 'acme' }];
  /** The administrator's token keyplan runs with. */
  admin!: GitLabStandInToken;
  now: () => number = Date.now;
  #nextId = 100;
  #nextBot = 1000;

  private constructor() {
    super(loadDescription('gitlab/access-tokens.openapi.yaml'), '/api/v4');
  }

  static async start(): Promise<GitLabStandIn> {
    const standIn = new GitLabStandIn();
    standIn.admin = standIn.seed({ name: 'keyplan-admin', scopes: ['api'], userId: 1, kind: 'user' });
    await standIn.listen();
    return standIn;
  }

  /** Makes a token straight in the state (as someone would in GitLab's settings). */
  seed(options: { name: string; scopes: string[]; userId?: number; kind?: GitLabStandInToken['kind']; resource?: number; accessLevel?: number; expiresAt?: string | null }): GitLabStandInToken {
    const kind = options.kind ?? 'user';
    return this.#newToken({
      name: options.name,
      description: null,
      scopes: options.scopes,
      kind,
      ...(options.resource === undefined ? {} : { resource: options.resource }),
      userId: options.userId ?? (kind === 'user' ? 2 : this.#nextBot++),
      ...(kind === 'user' ? {} : { accessLevel: options.accessLevel ?? 40 }),
      expiresAt: options.expiresAt === undefined ? this.#date(this.now() + 30 * DAY) : options.expiresAt,
    });
  }

  /** A consumer calling GitLab with `value`: true when accepted (and `last_used_at` recorded). */
  use(value: string): boolean {
    const token = [...this.tokens.values()].find((t) => t.value === value);
    if (!token || !this.#live(token)) return false;
    token.last_used_at = new Date(this.now()).toISOString();
    return true;
  }

  /** Revokes a token outside keyplan (GitLab's settings page). */
  revokeToken(id: number): void {
    const token = this.tokens.get(id);
    if (token) Object.assign(token, { revoked: true, active: false });
  }

  protected invalid(breaches: string[]): StandInReply {
    return { status: 400, body: { error: breaches.join('; ') } };
  }

  protected notFound(): StandInReply {
    return message(404, '404 Not Found');
  }

  protected route(request: StandInRequest): StandInReply {
    const caller = this.#caller(request.headers);
    if (!caller) return message(401, '401 Unauthorized');
    const isAdmin = this.users.find((u) => u.id === caller.user_id)?.admin === true;
    const { op } = request;
    const params = op.pathParams;
    switch (op.operationId) {
      case 'listUsers':
        return { status: 200, body: this.users.filter((u) => !request.query.get('username') || u.username === request.query.get('username')).map(({ admin: _a, ...u }) => u) };
      case 'listPersonalAccessTokens': {
        const userId = request.query.get('user_id');
        if (userId && !isAdmin && Number(userId) !== caller.user_id) return message(401, '401 Unauthorized');
        const mine = [...this.tokens.values()].filter((t) => t.kind === 'user' && (isAdmin ? !userId || t.user_id === Number(userId) : t.user_id === caller.user_id));
        return this.#page(mine, request.query);
      }
      case 'getPersonalAccessToken':
      case 'revokePersonalAccessToken':
      case 'rotatePersonalAccessToken': {
        const token = params.id === 'self' ? caller : this.tokens.get(Number(params.id));
        if (!token || token.kind !== 'user') return isAdmin ? message(404, '404 Not Found') : message(401, '401 Unauthorized');
        if (!isAdmin && token.user_id !== caller.user_id) return message(401, '401 Unauthorized');
        return this.#act(op.operationId, token, request.body);
      }
      case 'createPersonalAccessTokenForUser': {
        if (!isAdmin) return message(403, '403 Forbidden');
        const user = this.users.find((u) => u.id === Number(params.user_id));
        if (!user) return message(404, '404 User Not Found');
        return this.#create(request.body as Record<string, unknown>, 'user', user.id);
      }
      default: {
        const kind = op.operationId.includes('Project') ? 'project' : 'group';
        const list = kind === 'project' ? this.projects : this.groups;
        const resource = list.find((r) => String(r.id) === params.id || r.path === params.id);
        if (!resource) return message(404, `404 ${kind === 'project' ? 'Project' : 'Group'} Not Found`);
        if (!isAdmin) return message(403, '403 Forbidden');
        if (op.operationId.startsWith('list')) return this.#page([...this.tokens.values()].filter((t) => t.kind === kind && t.resource === resource.id), request.query);
        if (op.operationId.startsWith('create')) return this.#create(request.body as Record<string, unknown>, kind, this.#nextBot++, resource.id);
        const token = this.tokens.get(Number(params.token_id));
        if (!token || token.kind !== kind || token.resource !== resource.id) return message(404, '404 Not Found');
        return this.#act(op.operationId, token, request.body);
      }
    }
  }

  #act(operationId: string, token: GitLabStandInToken, body: unknown): StandInReply {
    if (operationId.startsWith('get')) return { status: 200, body: this.#view(token) };
    if (operationId.startsWith('revoke')) {
      if (token.revoked) return message(400, '400 Bad request - Token already revoked');
      Object.assign(token, { revoked: true, active: false });
      return { status: 204 };
    }
    if (!this.#live(token)) return message(401, '401 Unauthorized');
    Object.assign(token, { revoked: true, active: false });
    const asked = (body as { expires_at?: string } | undefined)?.expires_at;
    const fresh = this.#newToken({
      name: token.name,
      description: token.description,
      scopes: token.scopes,
      kind: token.kind,
      ...(token.resource === undefined ? {} : { resource: token.resource }),
      userId: token.user_id,
      ...(token.access_level === undefined ? {} : { accessLevel: token.access_level }),
      expiresAt: asked ?? this.#date(this.now() + 7 * DAY),
    });
    return { status: 200, body: { ...this.#view(fresh), token: fresh.value } };
  }

  #create(body: Record<string, unknown>, kind: GitLabStandInToken['kind'], userId: number, resource?: number): StandInReply {
    const expiresAt = typeof body.expires_at === 'string' ? body.expires_at : this.#date(this.now() + 365 * DAY);
    if (Date.parse(expiresAt) > this.now() + 366 * DAY) return message(400, { expires_at: ['must be before the maximum allowable lifetime of 365 days'] });
    if (Date.parse(expiresAt) < Date.parse(this.#date(this.now()))) return message(400, { expires_at: ['must be in the future'] });
    const token = this.#newToken({
      name: String(body.name),
      description: typeof body.description === 'string' ? body.description : null,
      scopes: body.scopes as string[],
      kind,
      ...(resource === undefined ? {} : { resource }),
      userId,
      ...(kind === 'user' ? {} : { accessLevel: typeof body.access_level === 'number' ? body.access_level : 40 }),
      expiresAt,
    });
    return { status: 201, body: { ...this.#view(token), token: token.value } };
  }

  #page(tokens: GitLabStandInToken[], query: URLSearchParams): StandInReply {
    const page = Number(query.get('page') ?? '1');
    const perPage = Number(query.get('per_page') ?? '20');
    const sorted = tokens.sort((a, b) => a.id - b.id);
    const slice = sorted.slice((page - 1) * perPage, page * perPage);
    const next = page * perPage < sorted.length ? String(page + 1) : '';
    return { status: 200, body: slice.map((t) => this.#view(t)), headers: { 'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(sorted.length), 'x-next-page': next } };
  }

  #newToken(o: { name: string; description: string | null; scopes: string[]; kind: GitLabStandInToken['kind']; resource?: number; userId: number; accessLevel?: number; expiresAt: string | null }): GitLabStandInToken {
    const value = `glpat-${randomBytes(20).toString('base64url')}`;
    this.issued(value);
    const token: GitLabStandInToken = {
      id: this.#nextId++,
      name: o.name,
      revoked: false,
      active: true,
      created_at: new Date(this.now()).toISOString(),
      description: o.description,
      scopes: [...o.scopes],
      user_id: o.userId,
      last_used_at: null,
      expires_at: o.expiresAt,
      ...(o.accessLevel === undefined ? {} : { access_level: o.accessLevel }),
      kind: o.kind,
      ...(o.resource === undefined ? {} : { resource: o.resource }),
      value,
    };
    this.tokens.set(token.id, token);
    return token;
  }

  #view(token: GitLabStandInToken): Record<string, unknown> {
    const { kind: _kind, resource: _resource, value: _value, ...listed } = token;
    return { ...listed, active: this.#live(token) };
  }

  #live(token: GitLabStandInToken): boolean {
    return !token.revoked && (token.expires_at === null || Date.parse(token.expires_at) > Date.parse(this.#date(this.now())));
  }

  #date(ms: number): string {
    return new Date(ms).toISOString().slice(0, 10);
  }

  #caller(headers: StandInRequest['headers']): GitLabStandInToken | undefined {
    const value = (headers['private-token'] as string | undefined) ?? /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const token = value === undefined ? undefined : [...this.tokens.values()].find((t) => t.value === value);
    return token && this.#live(token) ? token : undefined;
  }
}
