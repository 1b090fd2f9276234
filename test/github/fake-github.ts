import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import sodium from 'libsodium-wrappers';
import { expect } from 'vitest';
import { GitHubContract, type MatchedOperation } from './openapi-contract.js';

export const API = 'https://api.github.com';
/** Shaped like a real personal access token, so a leak would look like one. */
export const TOKEN = 'ghp_k3yplanTestTokenThatMustNeverLeak0042';
/** The login GitHub shows for the Actions GITHUB_TOKEN. */
export const ACTIONS_BOT = 'github-actions[bot]';

/** A repository's Actions secrets key pair, as GitHub holds it: tests seal with the public half and open with both. */
export interface RepoKeyPair {
  keyId: string;
  /** base64, as GitHub's public-key endpoint returns it. */
  publicKey: string;
  open(encryptedValue: string): string;
}

let nextKeyId = 568250167242549743n;

export async function repoKeyPair(): Promise<RepoKeyPair> {
  await sodium.ready;
  const pair = sodium.crypto_box_keypair();
  return {
    keyId: String(nextKeyId++),
    publicKey: sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL),
    open: (encryptedValue) =>
      sodium.to_string(sodium.crypto_box_seal_open(sodium.from_base64(encryptedValue, sodium.base64_variants.ORIGINAL), pair.publicKey, pair.privateKey)),
  };
}

/** Every way an error can end up printed or logged: none may show any of `secrets`. */
export function expectNoLeak(error: unknown, secrets: string[]): void {
  const forms = [String(error), inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error), (error as Error).message, (error as Error).stack ?? ''];
  for (const form of forms) for (const secret of secrets) expect(form).not.toContain(secret);
}

/** One secret write the stand-in received, unsealed with the repository's private key. */
export interface ReceivedSecret {
  path: string;
  keyId: string;
  plaintext: string;
}

/** Who a token acts as, and what it may do. */
export interface TokenIdentity {
  login: string;
  type: 'User' | 'Bot';
  /** false: a read-only token, as a pull request from a fork gets. */
  canWrite: boolean;
}

export interface StandInComment {
  id: number;
  nodeId: string;
  issue: number;
  body: string;
  author: string;
  createdAt: string;
  updatedAt: string;
  /** The classifier it was minimized with (GraphQL minimizeComment). */
  minimized?: string;
}

export interface StandInIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  author: string;
  isPull: boolean;
  mergedAt?: string;
  mergeCommitSha?: string;
  /** A pull request's head: the repository (a fork's full name, or this one), branch and commit. */
  head?: { repo: string; ref: string; sha: string };
}

export interface StandInLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

/** One repository's issues, pull requests, comments and labels. */
export class StandInRepo {
  readonly issues = new Map<number, StandInIssue>();
  readonly comments = new Map<number, StandInComment>();
  readonly labels = new Map<string, StandInLabel>();
  #nextNumber = 1;

  constructor(readonly fullName: string) {}

  addPullRequest(fields: Partial<StandInIssue> = {}): StandInIssue {
    return this.#add({ title: 'Change keys', body: '', isPull: true, author: 'octocat', ...fields });
  }

  addIssue(fields: Partial<StandInIssue> = {}): StandInIssue {
    return this.#add({ title: 'An issue', body: '', isPull: false, author: 'octocat', ...fields });
  }

  commentsOn(issue: number): StandInComment[] {
    return [...this.comments.values()].filter((c) => c.issue === issue);
  }

  #add(fields: Partial<StandInIssue> & Pick<StandInIssue, 'title' | 'body' | 'isPull' | 'author'>): StandInIssue {
    const issue: StandInIssue = { number: this.#nextNumber++, state: 'open', stateReason: null, labels: [], ...fields };
    this.issues.set(issue.number, issue);
    return issue;
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const FORBIDDEN: Reply = { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' } };
const NOT_FOUND: Reply = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
const GITHUB_COMMENT_LIMIT = 65_536;

/**
 * A stateful GitHub stand-in on 127.0.0.1 (port 0) for the CLI's child process, which nock cannot reach. Every
 * request is matched to an operation of GitHub's OpenAPI description and its parameters and body checked
 * against it, and every answer is built from GitHub's own examples and checked too: `violations` lists each
 * breach (tests expect it empty). It serves issues, pull requests, comments, labels, commit-to-PR lookup,
 * GraphQL minimizeComment, and Actions secrets (sealed writes are unsealed so tests can see them).
 */
export class FakeGitHubServer {
  readonly received: ReceivedSecret[] = [];
  readonly requests: string[] = [];
  readonly violations: string[] = [];
  /** Every body sent in a write (comments, issues), for scanning. */
  readonly bodies: string[] = [];
  readonly tokens = new Map<string, TokenIdentity>();
  /** Workflow dispatches received (POST .../actions/workflows/{id}/dispatches). */
  readonly dispatches: { repo: string; workflow: string; ref: string; inputs: Record<string, unknown> }[] = [];
  readonly repos = new Map<string, StandInRepo>();
  writeStatus = 201;
  readonly #pairs = new Map<string, Promise<RepoKeyPair>>();
  readonly #contract = GitHubContract.load();
  readonly #commitPulls = new Map<string, number[]>();
  #nextId = 1000;

  readonly #server: Server;

  private constructor(token: string) {
    this.tokens.set(token, { login: ACTIONS_BOT, type: 'Bot', canWrite: true });
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.violations.push(`${req.method} ${req.url}: the stand-in failed: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'stand-in failure' }));
      });
    });
  }

  static async start(token: string): Promise<FakeGitHubServer> {
    const fake = new FakeGitHubServer(token);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** What GITHUB_API_URL should be: a GitHub Enterprise Server style base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/v3`;
  }

  stop(): Promise<void> {
    return new Promise((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }

  repo(fullName: string): StandInRepo {
    let repo = this.repos.get(fullName);
    if (!repo) {
      repo = new StandInRepo(fullName);
      this.repos.set(fullName, repo);
    }
    return repo;
  }

  /** Records that `sha` was merged by pull request `number`, for GET /repos/{o}/{r}/commits/{sha}/pulls. */
  mergeCommit(fullName: string, number: number, sha: string): void {
    const pull = this.repo(fullName).issues.get(number);
    if (pull) Object.assign(pull, { state: 'closed', mergedAt: '2026-11-23T12:00:00Z', mergeCommitSha: sha });
    this.#commitPulls.set(`${fullName}@${sha}`, [number]);
  }

  /** Adds a comment as someone else, straight into the state (not through the API). */
  seedComment(fullName: string, issue: number, author: string, body: string): StandInComment {
    const comment = this.#newComment(issue, author, body);
    this.repo(fullName).comments.set(comment.id, comment);
    return comment;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
    this.requests.push(`${req.method} ${path}${url.search}`);
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const send = (reply: Reply) => {
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    };
    const identity = this.#identify(req.headers.authorization);
    if (!identity) return send({ status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } });

    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      this.violations.push(`${req.method} ${path}: body is not JSON`);
      return send({ status: 400, body: { message: 'Problems parsing JSON' } });
    }
    if (req.method === 'POST' && (path === '/api/graphql' || path === '/graphql')) return send(this.#graphql(identity, body));

    const op = this.#contract.match(req.method ?? 'GET', path);
    if (!op) {
      this.violations.push(`${req.method} ${path}: no such operation in GitHub's REST API`);
      return send(NOT_FOUND);
    }
    const breaches = this.#contract.checkRequest(op, url.searchParams, body);
    if (breaches.length > 0) {
      this.violations.push(...breaches.map((b) => `${req.method} ${path}: ${b}`));
      return send({ status: 422, body: { message: 'Validation Failed', errors: breaches } });
    }
    const reply = await this.#route(op, identity, url, body, `http://${req.headers.host ?? 'stand-in'}/api/v3`);
    const answerBreaches = this.#contract.checkResponse(op, reply.status, reply.body);
    this.violations.push(...answerBreaches.map((b) => `answer to ${req.method} ${path}: ${b}`));
    send(reply);
  }

  #identify(authorization: string | undefined): TokenIdentity | undefined {
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization ?? '')?.[1];
    return token === undefined ? undefined : this.tokens.get(token);
  }

  async #route(op: MatchedOperation, who: TokenIdentity, url: URL, body: unknown, base: string): Promise<Reply> {
    const p = op.pathParams;
    const fullName = `${p.owner}/${p.repo}`;
    const repo = this.repos.get(fullName);
    const input = (body ?? {}) as Record<string, unknown>;
    const example = (status: number, fields: Record<string, unknown>) => ({ ...this.#contract.example(op, status), ...fields });
    const issueNumber = Number(p.issue_number);
    const issue = repo?.issues.get(issueNumber);
    const list = <T>(items: T[]) => this.#page(items, url, base);

    switch (op.operationId) {
      case 'users/get-authenticated':
        return who.type === 'Bot' ? FORBIDDEN : { status: 200, body: example(200, this.#user(who.login, who.type)) };
      case 'actions/get-repo-public-key':
      case 'actions/get-environment-public-key': {
        const pair = await this.#pairFor(op.template.includes('environments') ? `${fullName}/${p.environment_name}` : fullName);
        return { status: 200, body: { key_id: pair.keyId, key: pair.publicKey } };
      }
      case 'actions/create-or-update-repo-secret':
      case 'actions/create-or-update-environment-secret': {
        const pair = await this.#pairFor(op.template.includes('environments') ? `${fullName}/${p.environment_name}` : fullName);
        const sealed = input as { encrypted_value: string; key_id: string };
        this.received.push({ path: url.pathname.replace(/^\/api\/v3/, ''), keyId: sealed.key_id, plaintext: pair.open(sealed.encrypted_value) });
        if (sealed.key_id !== pair.keyId) return { status: 422, body: { message: 'key_id does not match', documentation_url: 'https://docs.github.com/rest' } };
        if (this.writeStatus === 403) return { status: 403, body: { message: 'Resource not accessible by personal access token' } };
        return this.writeStatus === 201 ? { status: 201, body: {} } : { status: this.writeStatus };
      }
      case 'issues/list-comments':
        if (!repo || !issue) return NOT_FOUND;
        return list(repo.commentsOn(issueNumber).map((c) => this.#commentJson(fullName, c, base)));
      case 'issues/create-comment': {
        if (!repo || !issue) return NOT_FOUND;
        if (!who.canWrite) return FORBIDDEN;
        const text = String(input.body);
        this.bodies.push(text);
        if (text.length > GITHUB_COMMENT_LIMIT) return tooLong('IssueComment');
        const comment = this.#newComment(issueNumber, who.login, text);
        repo.comments.set(comment.id, comment);
        return { status: 201, body: this.#commentJson(fullName, comment, base) };
      }
      case 'issues/update-comment': {
        const comment = repo?.comments.get(Number(p.comment_id));
        if (!repo || !comment) return NOT_FOUND;
        if (!who.canWrite) return FORBIDDEN;
        const text = String(input.body);
        this.bodies.push(text);
        if (text.length > GITHUB_COMMENT_LIMIT) return tooLong('IssueComment');
        Object.assign(comment, { body: text, updatedAt: this.#clock() });
        return { status: 200, body: this.#commentJson(fullName, comment, base) };
      }
      case 'issues/list-labels-on-issue':
        if (!repo || !issue) return NOT_FOUND;
        return list(issue.labels.map((name) => this.#labelJson(fullName, repo.labels.get(name), name, base)));
      case 'issues/add-labels': {
        if (!repo || !issue) return NOT_FOUND;
        if (!who.canWrite) return FORBIDDEN;
        for (const name of (input.labels as string[] | undefined) ?? []) {
          if (!repo.labels.has(name)) repo.labels.set(name, { id: this.#nextId++, name, color: 'ededed', description: null });
          if (!issue.labels.includes(name)) issue.labels.push(name);
        }
        return { status: 200, body: issue.labels.map((name) => this.#labelJson(fullName, repo.labels.get(name), name, base)) };
      }
      case 'issues/remove-label': {
        if (!repo || !issue || !issue.labels.includes(p.name ?? '')) return NOT_FOUND;
        if (!who.canWrite) return FORBIDDEN;
        issue.labels = issue.labels.filter((name) => name !== p.name);
        return { status: 200, body: issue.labels.map((name) => this.#labelJson(fullName, repo.labels.get(name), name, base)) };
      }
      case 'issues/get-label': {
        const label = repo?.labels.get(p.name ?? '');
        return label ? { status: 200, body: this.#labelJson(fullName, label, label.name, base) } : NOT_FOUND;
      }
      case 'issues/create-label': {
        if (!who.canWrite) return FORBIDDEN;
        const target = this.repo(fullName);
        const name = String(input.name);
        if (target.labels.has(name)) return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }], documentation_url: 'https://docs.github.com/rest' } };
        const label: StandInLabel = { id: this.#nextId++, name, color: String(input.color ?? 'ededed'), description: typeof input.description === 'string' ? input.description : null };
        target.labels.set(name, label);
        return { status: 201, body: this.#labelJson(fullName, label, name, base) };
      }
      case 'repos/list-pull-requests-associated-with-commit': {
        const numbers = this.#commitPulls.get(`${fullName}@${p.commit_sha}`) ?? [];
        return { status: 200, body: numbers.flatMap((n) => { const pull = repo?.issues.get(n); return pull ? [this.#pullJson(op, fullName, pull, base)] : []; }) };
      }
      case 'actions/create-workflow-dispatch': {
        if (!who.canWrite) return FORBIDDEN;
        this.dispatches.push({ repo: fullName, workflow: String(p.workflow_id), ref: String(input.ref), inputs: (input.inputs ?? {}) as Record<string, unknown> });
        return { status: 204 };
      }
      case 'pulls/list': {
        if (!repo) return NOT_FOUND;
        const state = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const found = [...repo.issues.values()]
          .filter((i) => i.isPull && (state === 'all' || i.state === state))
          .filter((i) => head === null || (i.head !== undefined && `${i.head.repo.split('/')[0]}:${i.head.ref}` === head));
        return list(found.map((i) => this.#pullJson(op, fullName, i, base)));
      }
      case 'issues/list-for-repo': {
        if (!repo) return NOT_FOUND;
        const state = url.searchParams.get('state') ?? 'open';
        const wanted = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
        const found = [...repo.issues.values()]
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => wanted.every((name) => i.labels.includes(name)))
          .sort((a, b) => b.number - a.number);
        return list(found.map((i) => this.#issueJson(op, 200, fullName, i, base)));
      }
      case 'issues/create': {
        if (!who.canWrite) return FORBIDDEN;
        const target = this.repo(fullName);
        this.bodies.push(String(input.body ?? ''));
        if (String(input.body ?? '').length > GITHUB_COMMENT_LIMIT) return tooLong('Issue');
        const labels = ((input.labels as string[] | undefined) ?? []).map(String);
        const created = target.addIssue({ title: String(input.title), body: String(input.body ?? ''), author: who.login, labels });
        return { status: 201, body: this.#issueJson(op, 201, fullName, created, base) };
      }
      case 'issues/update': {
        if (!repo || !issue) return NOT_FOUND;
        if (!who.canWrite) return FORBIDDEN;
        if (typeof input.body === 'string') {
          this.bodies.push(input.body);
          if (input.body.length > GITHUB_COMMENT_LIMIT) return tooLong('Issue');
          issue.body = input.body;
        }
        if (typeof input.title === 'string') issue.title = input.title;
        if (input.state === 'open' || input.state === 'closed') {
          issue.state = input.state;
          issue.stateReason = input.state === 'open' ? 'reopened' : String(input.state_reason ?? 'completed');
        }
        return { status: 200, body: this.#issueJson(op, 200, fullName, issue, base) };
      }
      default:
        this.violations.push(`${op.method} ${op.template}: ${op.operationId} is real, but the stand-in does not serve it`);
        return NOT_FOUND;
    }
  }

  /** GraphQL, narrowly: minimizeComment on a comment node id, as the API documents it. */
  #graphql(who: TokenIdentity, body: unknown): Reply {
    const { query, variables } = (body ?? {}) as { query?: string; variables?: { id?: string } };
    const mutation = /^mutation\(\$id: ID!\) \{ minimizeComment\(input: \{ subjectId: \$id, classifier: (SPAM|ABUSE|OFF_TOPIC|OUTDATED|DUPLICATE|RESOLVED) \}\) \{ minimizedComment \{ isMinimized \} \} \}$/.exec(query ?? '');
    if (!mutation) {
      this.violations.push(`POST /graphql: the stand-in serves only minimizeComment, got ${JSON.stringify(query)}`);
      return { status: 200, body: { data: null, errors: [{ message: 'unsupported query' }] } };
    }
    const comment = [...this.repos.values()].flatMap((r) => [...r.comments.values()]).find((c) => c.nodeId === variables?.id);
    if (!comment) return { status: 200, body: { data: { minimizeComment: null }, errors: [{ type: 'NOT_FOUND', path: ['minimizeComment'], message: `Could not resolve to a node with the global id of '${variables?.id}'` }] } };
    if (!who.canWrite) return { status: 200, body: { data: { minimizeComment: null }, errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }] } };
    comment.minimized = mutation[1];
    return { status: 200, body: { data: { minimizeComment: { minimizedComment: { isMinimized: true } } } } };
  }

  #page<T>(items: T[], url: URL, base: string): Reply {
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URL(`${base}${url.pathname.replace(/^\/api\/v3/, '')}`);
      url.searchParams.forEach((value, name) => next.searchParams.set(name, value));
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return { status: 200, body: slice, headers };
  }

  #newComment(issue: number, author: string, body: string): StandInComment {
    const id = this.#nextId++;
    const now = this.#clock();
    return { id, nodeId: `IC_kwDOstandin${id}`, issue, body, author, createdAt: now, updatedAt: now };
  }

  #ticks = 0;
  /** Deterministic timestamps, one second apart. */
  #clock(): string {
    return new Date(Date.UTC(2026, 10, 23, 12, 0, this.#ticks++)).toISOString().replace('.000', '');
  }

  #user(login: string, type: 'User' | 'Bot' = login.endsWith('[bot]') ? 'Bot' : 'User'): Record<string, unknown> {
    const url = `https://api.github.com/users/${encodeURIComponent(login)}`;
    return {
      login, id: 41898282, node_id: 'MDM6Qm90NDE4OTgyODI=', avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4', gravatar_id: '',
      url, html_url: `https://github.com/${encodeURIComponent(login)}`, followers_url: `${url}/followers`, following_url: `${url}/following{/other_user}`, gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`, subscriptions_url: `${url}/subscriptions`, organizations_url: `${url}/orgs`, repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`, received_events_url: `${url}/received_events`, type, site_admin: false,
    };
  }

  #commentJson(fullName: string, c: StandInComment, base: string): Record<string, unknown> {
    return {
      id: c.id, node_id: c.nodeId, url: `${base}/repos/${fullName}/issues/comments/${c.id}`, html_url: `https://github.com/${fullName}/pull/${c.issue}#issuecomment-${c.id}`,
      body: c.body, user: this.#user(c.author), created_at: c.createdAt, updated_at: c.updatedAt, issue_url: `${base}/repos/${fullName}/issues/${c.issue}`, author_association: 'NONE',
    };
  }

  #labelJson(fullName: string, label: StandInLabel | undefined, name: string, base: string): Record<string, unknown> {
    return { id: label?.id ?? 1, node_id: `LA_${label?.id ?? 1}`, url: `${base}/repos/${fullName}/labels/${encodeURIComponent(name)}`, name, description: label?.description ?? null, color: label?.color ?? 'ededed', default: false };
  }

  #issueJson(op: MatchedOperation, status: number, fullName: string, i: StandInIssue, base: string): Record<string, unknown> {
    const repo = this.repo(fullName);
    const issueUrl = `${base}/repos/${fullName}/issues/${i.number}`;
    const json: Record<string, unknown> = {
      ...this.#contract.example(op, status),
      id: 9000 + i.number, node_id: `I_standin${i.number}`, url: issueUrl, repository_url: `${base}/repos/${fullName}`, labels_url: `${issueUrl}/labels{/name}`,
      comments_url: `${issueUrl}/comments`, events_url: `${issueUrl}/events`, html_url: `https://github.com/${fullName}/issues/${i.number}`, number: i.number,
      state: i.state, state_reason: i.stateReason, title: i.title, body: i.body, user: this.#user(i.author), labels: i.labels.map((name) => this.#labelJson(fullName, repo.labels.get(name), name, base)),
      assignee: null, assignees: [], milestone: null, locked: false, comments: repo.commentsOn(i.number).length, closed_at: i.state === 'closed' ? '2026-11-23T12:00:00Z' : null,
      created_at: '2026-11-23T11:00:00Z', updated_at: '2026-11-23T12:00:00Z', author_association: 'NONE', closed_by: null,
    };
    if (i.isPull) json.pull_request = { url: `${base}/repos/${fullName}/pulls/${i.number}`, html_url: `https://github.com/${fullName}/pull/${i.number}`, diff_url: null, patch_url: null, merged_at: i.mergedAt ?? null };
    else delete json.pull_request;
    return json;
  }

  #pullJson(op: MatchedOperation, fullName: string, pull: StandInIssue, base: string): Record<string, unknown> {
    return {
      ...this.#contract.example(op, 200),
      id: 7000 + pull.number, number: pull.number, state: pull.state, title: pull.title, body: pull.body, user: this.#user(pull.author),
      url: `${base}/repos/${fullName}/pulls/${pull.number}`, html_url: `https://github.com/${fullName}/pull/${pull.number}`,
      merged_at: pull.mergedAt ?? null, merge_commit_sha: pull.mergeCommitSha ?? null, requested_teams: [], requested_reviewers: [],
      // A pull request's labels carry a string description (an issue's may be null).
      labels: pull.labels.map((name) => ({ ...this.#labelJson(fullName, this.repo(fullName).labels.get(name), name, base), description: this.repo(fullName).labels.get(name)?.description ?? '' })),
      ...(pull.head ? { head: this.#headJson(op, fullName, pull.head) } : {}),
    };
  }

  #headJson(op: MatchedOperation, fullName: string, head: NonNullable<StandInIssue['head']>): Record<string, unknown> {
    const example = (this.#contract.example(op, 200) as { head?: { repo?: Record<string, unknown> } }).head ?? {};
    const [owner = '', name = ''] = head.repo.split('/');
    return {
      ...example, label: `${owner}:${head.ref}`, ref: head.ref, sha: head.sha, user: this.#user(owner, 'User'),
      repo: { ...example.repo, full_name: head.repo, name, owner: this.#user(owner, 'User'), fork: head.repo !== fullName },
    };
  }

  #pairFor(scope: string): Promise<RepoKeyPair> {
    let pair = this.#pairs.get(scope);
    if (!pair) {
      pair = repoKeyPair();
      this.#pairs.set(scope, pair);
    }
    return pair;
  }
}

function tooLong(resource: string): Reply {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors: [{ resource, code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }], documentation_url: 'https://docs.github.com/rest' },
  };
}
