import { describe, expect, it } from 'vitest';
import { KeyplanError } from '../../src/core/errors.js';
import { createGitHubClient, githubFailure, GitHubError } from '../../src/github/octokit.js';
import { githubApiUrl, githubToken } from '../../src/github/token.js';
import { TOKEN, expectNoLeak } from './fake-github.js';

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
}

/** A fetch that answers every request with `response` and records what it was asked. */
function recordingFetch(response: () => Response): { fetch: typeof globalThis.fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    seen.push({ url: request.url, method: request.method, authorization: request.headers.get('authorization') });
    return response();
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const operation = { action: 'write secrets', repo: 'acme/billing', permission: 'secrets: write' };

describe('GitHub token and URL from the environment', () => {
  it('prefers GITHUB_TOKEN, falls back to GH_TOKEN, and ignores blank values', () => {
    expect(githubToken({ GITHUB_TOKEN: 'a', GH_TOKEN: 'b' })).toEqual({ variable: 'GITHUB_TOKEN', value: 'a' });
    expect(githubToken({ GITHUB_TOKEN: '  ', GH_TOKEN: 'b' })).toEqual({ variable: 'GH_TOKEN', value: 'b' });
    expect(githubToken({})).toBeUndefined();
  });

  it('talks to api.github.com unless GITHUB_API_URL names another server', () => {
    expect(githubApiUrl({})).toBe('https://api.github.com');
    expect(githubApiUrl({ GITHUB_API_URL: 'https://ghe.example.com/api/v3/' })).toBe('https://ghe.example.com/api/v3');
  });

  it('refuses to build a client without a token', () => {
    expect(() => createGitHubClient({ env: { GITHUB_API_URL: 'https://ghe.example.com/api/v3' } })).toThrow(KeyplanError);
  });
});

describe('GitHub client', () => {
  it('sends requests through the injected fetch, to GITHUB_API_URL, with the token', async () => {
    const { fetch, seen } = recordingFetch(json(200, { key_id: '1', key: 'k' }));
    const client = createGitHubClient({ env: { GH_TOKEN: TOKEN, GITHUB_API_URL: 'https://ghe.example.com/api/v3' }, fetch });
    const response = await client.octokit.rest.actions.getRepoPublicKey({ owner: 'acme', repo: 'billing' });
    expect(response.data).toEqual({ key_id: '1', key: 'k' });
    expect(seen).toEqual([{ url: 'https://ghe.example.com/api/v3/repos/acme/billing/actions/secrets/public-key', method: 'GET', authorization: `token ${TOKEN}` }]);
    expect(client.tokenVariable).toBe('GH_TOKEN');
  });

  it('redacts the token from text', () => {
    const client = createGitHubClient({ env: { GITHUB_TOKEN: TOKEN } });
    expect(client.redact(`Bearer ${TOKEN}, again ${TOKEN}`)).toBe('Bearer [redacted], again [redacted]');
  });
});

describe('GitHub failures', () => {
  async function failWith(response: () => Response, op = operation): Promise<GitHubError> {
    const { fetch } = recordingFetch(response);
    const client = createGitHubClient({ env: { GITHUB_TOKEN: TOKEN }, fetch });
    const error = await client.octokit.rest.actions
      .createOrUpdateRepoSecret({ owner: 'acme', repo: 'billing', secret_name: 'X', encrypted_value: 'sealed', key_id: '1' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeDefined();
    return githubFailure(error, op, client);
  }

  it.each([
    [401, { message: 'Bad credentials' }, {}, 'GitHub rejected GITHUB_TOKEN: the token is invalid, expired or revoked (could not write secrets of acme/billing)'],
    [403, { message: 'Forbidden' }, {}, 'the token in GITHUB_TOKEN cannot write secrets of acme/billing (needs the secrets: write permission): Forbidden'],
    [404, { message: 'Not Found' }, {}, 'repository acme/billing not found or not visible to the token in GITHUB_TOKEN'],
    [429, { message: 'slow down' }, {}, 'GitHub is rate limiting the token in GITHUB_TOKEN; could not write secrets of acme/billing'],
    [403, { message: 'You have exceeded a secondary rate limit' }, {}, 'GitHub is rate limiting the token in GITHUB_TOKEN; could not write secrets of acme/billing'],
    [503, { message: 'Unavailable' }, {}, 'GitHub answered 503 when asked to write secrets of acme/billing: Unavailable'],
  ])('maps %i %j to a message that says what to do', async (status, body, headers, message) => {
    const error = await failWith(json(status, body, headers));
    expect(error).toBeInstanceOf(GitHubError);
    expect(error.message).toBe(message);
    expect(error.status).toBe(status);
  });

  it('says when GitHub could not be reached at all', async () => {
    const error = await failWith(() => {
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED (auth ${TOKEN})`) });
    });
    expect(error.message).toBe('could not reach GitHub at https://api.github.com to write secrets of acme/billing: connect ECONNREFUSED (auth [redacted])');
  });

  it('keeps the token out of every form of the error, even when GitHub echoes it', async () => {
    const error = await failWith(json(422, { message: `bad ${TOKEN}`, documentation_url: `https://docs.github.com/?${TOKEN}` }));
    expect(error.message).toBe('GitHub answered 422 when asked to write secrets of acme/billing: bad [redacted]');
    expectNoLeak(error, [TOKEN]);
  });
});
