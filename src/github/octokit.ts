import { Octokit } from '@octokit/rest';
import { KeyplanError } from '../core/errors.js';
import { GITHUB_TOKEN_VARS, githubApiUrl, githubToken, type Env } from './token.js';

/** GitHub refused or could not be reached. Its message names what failed and never holds the token. */
export class GitHubError extends KeyplanError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface GitHubClient {
  readonly octokit: Octokit;
  /** The variable the token came from, for messages. */
  readonly tokenVariable: string;
  readonly baseUrl: string;
  /** Removes the token from any text, for text GitHub sent back. */
  redact(text: string): string;
}

export interface GitHubClientOptions {
  env: Env;
  /** Replaces the global fetch, for tests. */
  fetch?: typeof globalThis.fetch;
  /** What the token is for, completing "set GITHUB_TOKEN or GH_TOKEN to a token that may …". */
  purpose?: string;
  /** Waits before retrying a rate-limited request, for tests. */
  sleep?: (ms: number) => Promise<void>;
}

// Octokit logs failed requests to the console by default; keyplan reports failures itself, once.
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function createGitHubClient({ env, fetch, sleep, purpose = 'write Actions secrets' }: GitHubClientOptions): GitHubClient {
  const token = githubToken(env);
  if (!token) throw new GitHubError(`no GitHub token: set ${GITHUB_TOKEN_VARS.join(' or ')} to a token that may ${purpose}`);
  const baseUrl = githubApiUrl(env);
  const octokit = new Octokit({
    auth: token.value,
    baseUrl,
    userAgent: 'keyplan',
    log: quiet,
    ...(fetch ? { request: { fetch } } : {}),
  });
  retryRateLimits(octokit, sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))));
  return { octokit, tokenVariable: token.variable, baseUrl, redact: (text) => text.split(token.value).join('[redacted]') };
}

/** Waits longer than this are not worth holding a CI job for: the error says when to try again instead. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const RATE_LIMIT_RETRIES = 2;

/** Retries a request GitHub rate-limited when it says the wait is short (retry-after, or the reset time). */
function retryRateLimits(octokit: Octokit, sleep: (ms: number) => Promise<void>): void {
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        const wait = rateLimitWait(error);
        if (wait === undefined || wait > MAX_RATE_LIMIT_WAIT_MS || attempt >= RATE_LIMIT_RETRIES) throw error;
        await sleep(wait);
      }
    }
  });
}

function rateLimitWait(error: unknown): number | undefined {
  const { status, message, headers, answered } = readFailure(error);
  if (!answered || !isRateLimited(status, message, headers)) return undefined;
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter * 1000);
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - Date.now());
  return undefined;
}

/** What was being done when GitHub failed, for the message. */
export interface GitHubOperation {
  /** A verb phrase completed by "of <target>": `write secrets`, `read the secrets public key`. */
  action: string;
  /** owner/name */
  repo: string;
  environment?: string;
  /** The token permission the action needs: `secrets: write`. */
  permission: string;
}

/**
 * Turns anything octokit threw into a GitHubError built only from the status, GitHub's own message and the
 * operation. The original error is dropped, not chained: its `request` holds the request body and headers.
 */
export function githubFailure(error: unknown, operation: GitHubOperation, client: Pick<GitHubClient, 'tokenVariable' | 'baseUrl' | 'redact'>): GitHubError {
  const { status, message, headers, answered } = readFailure(error);
  const target = operation.environment === undefined ? operation.repo : `environment "${operation.environment}" of ${operation.repo}`;
  const because = message ? `: ${client.redact(message)}` : '';
  const make = (text: string) => new GitHubError(client.redact(text), status);

  if (!answered) return make(`could not reach GitHub at ${client.baseUrl} to ${operation.action} of ${target}${because}`);
  if (isRateLimited(status, message, headers)) {
    const reset = Number(headers['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
    return make(`GitHub is rate limiting the token in ${client.tokenVariable}${when}; could not ${operation.action} of ${target}`);
  }
  switch (status) {
    case 401:
      return make(`GitHub rejected ${client.tokenVariable}: the token is invalid, expired or revoked (could not ${operation.action} of ${target})`);
    case 403:
      return make(`the token in ${client.tokenVariable} cannot ${operation.action} of ${target} (needs the ${operation.permission} permission)${because}`);
    case 404:
      return make(
        operation.environment === undefined
          ? `repository ${operation.repo} not found or not visible to the token in ${client.tokenVariable}`
          : `repository ${operation.repo} or its environment "${operation.environment}" not found, or not visible to the token in ${client.tokenVariable}`,
      );
    default:
      return make(`GitHub answered ${status} when asked to ${operation.action} of ${target}${because}`);
  }
}

interface FailureFacts {
  status: number;
  message: string | undefined;
  headers: Record<string, string | undefined>;
  /** false: no HTTP answer at all (DNS, refused connection, TLS). */
  answered: boolean;
}

function readFailure(error: unknown): FailureFacts {
  const facts = (error ?? {}) as {
    status?: unknown;
    message?: unknown;
    response?: { headers?: Record<string, unknown>; data?: unknown };
  };
  const response = facts.response;
  const status = typeof facts.status === 'number' ? facts.status : 0;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(response?.headers ?? {})) headers[name.toLowerCase()] = value === undefined ? undefined : String(value);
  const data = response?.data as { message?: unknown; errors?: unknown } | undefined;
  const details = Array.isArray(data?.errors) ? data.errors.flatMap((e: { message?: unknown }) => (typeof e?.message === 'string' ? [e.message] : [])) : [];
  const githubMessage = typeof data?.message === 'string' ? [data.message, ...details].join(': ') : undefined;
  const ownMessage = typeof facts.message === 'string' ? facts.message : undefined;
  return { status, message: githubMessage ?? ownMessage, headers, answered: response !== undefined };
}

function isRateLimited(status: number, message: string | undefined, headers: Record<string, string | undefined>): boolean {
  if (status === 429) return true;
  return status === 403 && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message ?? ''));
}
