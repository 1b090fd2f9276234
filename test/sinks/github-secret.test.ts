import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyplanError } from '../../src/core/errors.js';
import { Secret } from '../../src/core/secret.js';
import { GitHubError } from '../../src/github/octokit.js';
import { GitHubSecrets, type GitHubSecretTarget } from '../../src/sinks/github-secret.js';
import { API, TOKEN, expectNoLeak, repoKeyPair } from '../github/fake-github.js';

const PLAINTEXT = 'kp_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa';
const billing: GitHubSecretTarget = { type: 'github-secret', repo: 'acme/billing', name: 'BILLING_API_KEY' };
const production: GitHubSecretTarget = { ...billing, environment: 'production' };

type SecretBody = { encrypted_value: string; key_id: string };

function sink(env: Record<string, string> = { GITHUB_TOKEN: TOKEN }): GitHubSecrets {
  return new GitHubSecrets({ env });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubError);
  return error as Error;
}

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('GitHub Actions secrets sink', () => {
  it('seals the secret with the repository public key and PUTs it with that key_id', async () => {
    const keys = await repoKeyPair();
    let body: SecretBody | undefined;
    const github = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get('/repos/acme/billing/actions/secrets/public-key')
      .reply(200, { key_id: keys.keyId, key: keys.publicKey })
      .put('/repos/acme/billing/actions/secrets/BILLING_API_KEY', (b: SecretBody) => {
        body = b;
        return true;
      })
      .reply(201);

    await sink().write(billing, new Secret(PLAINTEXT));

    expect(github.isDone()).toBe(true);
    expect(body?.key_id).toBe(keys.keyId);
    expect(keys.open(body?.encrypted_value ?? '')).toBe(PLAINTEXT);
    expect(JSON.stringify(body)).not.toContain(PLAINTEXT);
  });

  it('writes an environment secret with the environment public key', async () => {
    const repoKeys = await repoKeyPair();
    const envKeys = await repoKeyPair();
    const target: GitHubSecretTarget = { ...billing, environment: 'staging eu' };
    let body: SecretBody | undefined;
    const github = nock(API)
      .get('/repos/acme/billing/environments/staging%20eu/secrets/public-key')
      .reply(200, { key_id: envKeys.keyId, key: envKeys.publicKey })
      .put('/repos/acme/billing/environments/staging%20eu/secrets/BILLING_API_KEY', (b: SecretBody) => {
        body = b;
        return true;
      })
      .reply(201)
      // The same repository's own secrets use a different key: it must not be taken from the environment's.
      .get('/repos/acme/billing/actions/secrets/public-key')
      .reply(200, { key_id: repoKeys.keyId, key: repoKeys.publicKey })
      .put('/repos/acme/billing/actions/secrets/BILLING_API_KEY', (b: SecretBody) => b.key_id === repoKeys.keyId && repoKeys.open(b.encrypted_value) === 'repo-level')
      .reply(204);

    const secrets = sink();
    await secrets.write(target, new Secret(PLAINTEXT));
    await secrets.write(billing, new Secret('repo-level'));

    expect(github.isDone()).toBe(true);
    expect(body?.key_id).toBe(envKeys.keyId);
    expect(envKeys.open(body?.encrypted_value ?? '')).toBe(PLAINTEXT);
  });

  it('asks for a repository public key once per apply, also when deliveries run at once', async () => {
    const keys = await repoKeyPair();
    const opened: string[] = [];
    // One GET interceptor each: a second public-key request would find no match and fail the delivery.
    const github = nock(API)
      .get('/repos/acme/billing/actions/secrets/public-key')
      .once()
      .reply(200, { key_id: keys.keyId, key: keys.publicKey })
      .put(/^\/repos\/acme\/billing\/actions\/secrets\/[A-Z_]+$/, (b: SecretBody) => opened.push(keys.open(b.encrypted_value)) > 0)
      .times(4)
      .reply(201);

    const secrets = sink();
    await secrets.write(billing, new Secret('first'));
    await secrets.write({ ...billing, name: 'SECOND' }, new Secret('second'));
    await Promise.all([secrets.write({ ...billing, name: 'THIRD' }, new Secret('third')), secrets.write({ ...billing, name: 'FOURTH' }, new Secret('fourth'))]);

    expect(github.isDone()).toBe(true);
    expect(opened.sort()).toEqual(['first', 'fourth', 'second', 'third']);
  });

  it('asks again for a public key after a failed attempt instead of remembering the failure', async () => {
    const keys = await repoKeyPair();
    nock(API).get('/repos/acme/billing/actions/secrets/public-key').reply(502, { message: 'Server Error' });
    const secrets = sink();
    expect((await failure(secrets.write(billing, new Secret(PLAINTEXT)))).message).toBe(
      'GitHub answered 502 when asked to read the Actions secrets public key of acme/billing: Server Error',
    );

    const github = nock(API)
      .get('/repos/acme/billing/actions/secrets/public-key')
      .reply(200, { key_id: keys.keyId, key: keys.publicKey })
      .put('/repos/acme/billing/actions/secrets/BILLING_API_KEY')
      .reply(201);
    await secrets.write(billing, new Secret(PLAINTEXT));
    expect(github.isDone()).toBe(true);
  });

  it('uses GITHUB_API_URL for GitHub Enterprise Server', async () => {
    const keys = await repoKeyPair();
    const github = nock('https://ghe.example.com')
      .get('/api/v3/repos/acme/billing/actions/secrets/public-key')
      .reply(200, { key_id: keys.keyId, key: keys.publicKey })
      .put('/api/v3/repos/acme/billing/actions/secrets/BILLING_API_KEY')
      .reply(201);
    await sink({ GH_TOKEN: TOKEN, GITHUB_API_URL: 'https://ghe.example.com/api/v3/' }).write(billing, new Secret(PLAINTEXT));
    expect(github.isDone()).toBe(true);
  });

  describe('failures', () => {
    it('says GitHub rejected the token, naming the variable it came from', async () => {
      nock(API).get('/repos/acme/billing/actions/secrets/public-key').reply(401, { message: 'Bad credentials' });
      const error = await failure(sink({ GH_TOKEN: TOKEN }).write(billing, new Secret(PLAINTEXT)));
      expect(error.message).toBe(
        'GitHub rejected GH_TOKEN: the token is invalid, expired or revoked (could not read the Actions secrets public key of acme/billing)',
      );
      expect((error as GitHubError).status).toBe(401);
    });

    it('names the permission a token without write access to secrets needs', async () => {
      const keys = await repoKeyPair();
      nock(API)
        .get('/repos/acme/billing/actions/secrets/public-key')
        .reply(200, { key_id: keys.keyId, key: keys.publicKey })
        .put('/repos/acme/billing/actions/secrets/BILLING_API_KEY')
        .reply(403, { message: 'Resource not accessible by personal access token' });
      const error = await failure(sink().write(billing, new Secret(PLAINTEXT)));
      expect(error.message).toBe(
        'the token in GITHUB_TOKEN cannot write secrets of acme/billing (needs the secrets: write permission): Resource not accessible by personal access token',
      );
    });

    it('names the environments permission for an environment secret', async () => {
      nock(API).get('/repos/acme/billing/environments/production/secrets/public-key').reply(403, { message: 'Resource not accessible by integration' });
      const error = await failure(sink().write(production, new Secret(PLAINTEXT)));
      expect(error.message).toMatch(/^the token in GITHUB_TOKEN cannot read the Actions secrets public key of environment "production" of acme\/billing \(needs the environments: write permission\)/);
    });

    it('tells a rate limit apart from a missing permission', async () => {
      nock(API)
        .get('/repos/acme/billing/actions/secrets/public-key')
        .reply(403, { message: 'API rate limit exceeded for user ID 1.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1893456000' });
      const error = await failure(sink().write(billing, new Secret(PLAINTEXT)));
      expect(error.message).toBe(
        'GitHub is rate limiting the token in GITHUB_TOKEN until 2030-01-01T00:00:00.000Z; could not read the Actions secrets public key of acme/billing',
      );
    });

    it('says a repository is missing or invisible to the token', async () => {
      nock(API).get('/repos/acme/x/actions/secrets/public-key').reply(404, { message: 'Not Found' });
      const error = await failure(sink().write({ ...billing, repo: 'acme/x' }, new Secret(PLAINTEXT)));
      expect(error.message).toBe('repository acme/x not found or not visible to the token in GITHUB_TOKEN');
    });

    it('says a repository or its environment is missing', async () => {
      nock(API).get('/repos/acme/billing/environments/production/secrets/public-key').reply(404, { message: 'Not Found' });
      const error = await failure(sink().write(production, new Secret(PLAINTEXT)));
      expect(error.message).toBe('repository acme/billing or its environment "production" not found, or not visible to the token in GITHUB_TOKEN');
    });

    it('refuses to start without a token, naming both variables', async () => {
      const error = await sink({}).write(billing, new Secret(PLAINTEXT)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyplanError);
      expect((error as Error).message).toBe('no GitHub token: set GITHUB_TOKEN or GH_TOKEN to a token that may write Actions secrets');
    });

    it('refuses a malformed public key instead of sealing with it', async () => {
      nock(API).get('/repos/acme/billing/actions/secrets/public-key').reply(200, { key_id: '1', key: 'c2hvcnQ=' });
      const error = await failure(sink().write(billing, new Secret(PLAINTEXT)));
      expect(error.message).toBe('GitHub sent a malformed Actions secrets public key for acme/billing');
    });
  });

  describe('never leaks the token or the secret', () => {
    async function failuresFromEveryStep(): Promise<Error[]> {
      const keys = await repoKeyPair();
      const publicKey = { key_id: keys.keyId, key: keys.publicKey };
      // A server that echoes whatever it can: each error form must still show neither the token nor the plaintext.
      const echo = `token ${TOKEN} value ${PLAINTEXT}`;
      nock(API)
        .get('/repos/acme/a/actions/secrets/public-key')
        .reply(401, { message: echo })
        .get('/repos/acme/b/actions/secrets/public-key')
        .reply(200, publicKey)
        .put('/repos/acme/b/actions/secrets/BILLING_API_KEY')
        .reply(403, { message: echo })
        .get('/repos/acme/c/actions/secrets/public-key')
        .reply(200, publicKey)
        .put('/repos/acme/c/actions/secrets/BILLING_API_KEY')
        .reply(422, { message: echo, errors: [echo] })
        .get('/repos/acme/d/environments/production/secrets/public-key')
        .reply(200, publicKey)
        .put('/repos/acme/d/environments/production/secrets/BILLING_API_KEY')
        .reply(500, echo)
        .get('/repos/acme/e/actions/secrets/public-key')
        .replyWithError({ code: 'ECONNRESET', message: `socket hang up ${echo}` })
        .get('/repos/acme/f/actions/secrets/public-key')
        .reply(404, { message: echo });
      const secrets = sink();
      const targets: GitHubSecretTarget[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((r) => ({ ...billing, repo: `acme/${r}`, ...(r === 'd' ? { environment: 'production' } : {}) }));
      return Promise.all(targets.map((target) => failure(secrets.write(target, new Secret(PLAINTEXT)))));
    }

    it('in the message, String(), util.inspect, JSON or the stack of any error', async () => {
      const errors = await failuresFromEveryStep();
      expect(errors.map((e) => (e as GitHubError).status)).toEqual([401, 403, 422, 500, 500, 404]);
      for (const error of errors) {
        expectNoLeak(error, [TOKEN, PLAINTEXT]);
        // octokit's RequestError (which carries the request headers and body) is not passed on.
        expect(Object.keys(error)).not.toContain('request');
        expect(error.cause).toBeUndefined();
      }
      expect(errors[2]?.message).toBe('GitHub answered 422 when asked to write secrets of acme/c: token [redacted] value [redacted]');
      expect(errors[4]?.message).toMatch(/^could not reach GitHub at https:\/\/api.github.com to read the Actions secrets public key of acme\/e/);
    });
  });
});
