import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentPlanOnPullRequest } from '../../src/engine/github-plan-comment.js';
import { GitHubError } from '../../src/github/octokit.js';
import { reviewPlan } from '../render/sample-plans.js';
import { API, TOKEN, expectNoLeak } from './fake-github.js';

const ENV = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'acme/keys' };
const BOT = { login: 'github-actions[bot]' };
const comment = (id: number, body: string, login = BOT.login) => ({ id, node_id: `IC_${id}`, body, user: { login }, html_url: `https://github.com/acme/keys/pull/5#issuecomment-${id}` });

function request(overrides: Partial<Parameters<typeof commentPlanOnPullRequest>[0]> = {}) {
  return commentPlanOnPullRequest({ env: ENV, plan: reviewPlan(), config: 'keys.yaml', ownership: 'acme/billing', mode: 'update', labels: false, pr: 5, ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<GitHubError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(GitHubError);
  expectNoLeak(error, [TOKEN]);
  return error as GitHubError;
}

describe('plan --comment against GitHub edge cases (nock)', () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('names the marker after configuration and ownership', async () => {
    let posted = '';
    const github = nock(API)
      .get('/user').reply(403, { message: 'Resource not accessible by integration' })
      .get('/repos/acme/keys/issues/5/comments').query(true).reply(200, [])
      .post('/repos/acme/keys/issues/5/comments', (body: { body: string }) => ((posted = body.body), true)).reply(201, comment(1, 'x'));
    const outcome = await request();
    expect(outcome.action).toBe('created');
    expect(posted.split('\n')[0]).toBe('<!-- keyplan:plan config=keys.yaml ownership=acme/billing -->');
    expect(github.isDone()).toBe(true);
  });

  it('turns a 403 on a fork into a warning, not an error', async () => {
    nock(API)
      .get('/user').reply(403, { message: 'Resource not accessible by integration' })
      .get('/repos/acme/keys/issues/5/comments').query(true).reply(200, [])
      .post('/repos/acme/keys/issues/5/comments').reply(403, { message: 'Resource not accessible by integration' });
    const outcome = await request();
    expect(outcome.url).toBeUndefined();
    expect(outcome.warning).toContain('no comment was posted on pull request #5: GitHub refused the token in GITHUB_TOKEN write access to acme/keys');
  });

  it("reports GitHub's reason when it refuses a body as too long", async () => {
    nock(API)
      .get('/user').reply(200, { login: 'keyplan-bot' })
      .get('/repos/acme/keys/issues/5/comments').query(true).reply(200, [])
      .post('/repos/acme/keys/issues/5/comments').reply(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }] });
    const error = await failure(request());
    expect(error.message).toBe('GitHub answered 422 when asked to comment on pull request #5 of acme/keys: Validation Failed: body is too long (maximum is 65536 characters)');
  });

  it('says which pull request was not found', async () => {
    nock(API).get('/user').reply(200, { login: 'keyplan-bot' }).get('/repos/acme/keys/issues/5/comments').query(true).reply(404, { message: 'Not Found' });
    const error = await failure(request());
    expect(error.message).toBe('pull request #5 of acme/keys not found, or not visible to the token in GITHUB_TOKEN');
  });

  it('waits out a short rate limit (retry-after) and carries on', async () => {
    const github = nock(API)
      .get('/user').reply(200, { login: 'keyplan-bot' })
      .get('/repos/acme/keys/issues/5/comments').query(true).reply(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '0' })
      .get('/repos/acme/keys/issues/5/comments').query(true).reply(200, [comment(7, '<!-- keyplan:plan config=keys.yaml ownership=acme/billing -->\nold', 'keyplan-bot')])
      .patch('/repos/acme/keys/issues/comments/7').reply(200, comment(7, 'new', 'keyplan-bot'));
    expect((await request()).action).toBe('updated');
    expect(github.isDone()).toBe(true);
  });

  it('gives up on a long rate limit at once, saying until when', async () => {
    const reset = Math.floor(Date.UTC(2030, 0, 1) / 1000);
    nock(API)
      .get('/user').reply(200, { login: 'keyplan-bot' })
      .get('/repos/acme/keys/issues/5/comments').query(true).reply(429, { message: 'API rate limit exceeded' }, { 'retry-after': '3600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });
    const error = await failure(request());
    expect(error.message).toBe('GitHub is rate limiting the token in GITHUB_TOKEN until 2030-01-01T00:00:00.000Z; could not comment on pull request #5 of acme/keys');
  });

  it('never edits a comment by someone else that carries the marker', async () => {
    const marker = '<!-- keyplan:plan config=keys.yaml ownership=acme/billing -->';
    const github = nock(API)
      .get('/user').reply(200, { login: 'keyplan-bot' })
      .get('/repos/acme/keys/issues/5/comments').query(true).reply(200, [comment(3, `${marker}\nforged`, 'mallory')])
      .post('/repos/acme/keys/issues/5/comments').reply(201, comment(4, 'x', 'keyplan-bot'));
    expect((await request()).action).toBe('created');
    expect(github.isDone()).toBe(true);
  });
});
