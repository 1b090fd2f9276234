import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { describeRun } from './helpers/cli.js';
import type { KeysYaml } from './helpers/keys-yaml.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';
import { ACTIONS_BOT, type FakeGitHubServer } from '../github/fake-github.js';
import { renderGfm, visibleText } from '../render/gfm.js';

/** A file target, so a create's secret has somewhere to go (plan refuses it otherwise). */
function toFile(variable: string) {
  return { type: 'file', path: 'secrets.env', format: 'dotenv', var: variable };
}

const REPO = 'acme/keys';

const CONFIG: KeysYaml = {
  keys: [
    { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], expires: '90d', owner: 'team-billing', deliver: [toFile('BILLING_READER')] },
    { name: 'Ops_Bot', description: 'ops automation', roles: ['READONLY'], expires: '30d', deliver: [toFile('OPS_BOT')] },
  ],
};

async function applyLocally(ws: E2eWorkspace, config = 'keys.yaml'): Promise<void> {
  const result = await ws.run(['apply', '-c', config, '--auto-approve', '--secrets-out', 'secrets.env']);
  expect(result.exitCode, describeRun(result)).toBe(0);
  for (const line of (await readFile(ws.path('secrets.env'), 'utf8')).split('\n')) {
    const value = /=(.+)$/.exec(line)?.[1]?.replace(/^"|"$/g, '');
    if (value) ws.secrets.addSecret(value);
  }
}

describe('keyplan plan --comment on a pull request', () => {
  const workspace = useWorkspace('keyplan-e2e-pr-');

  async function setup(): Promise<{ ws: E2eWorkspace; github: FakeGitHubServer; pr: number; env: Record<string, string | undefined> }> {
    const ws = workspace();
    const github = await ws.startGitHub();
    const pr = github.repo(REPO).addPullRequest().number;
    await ws.writeKeysYaml(CONFIG);
    return { ws, github, pr, env: await ws.actionsEnv(github, { repo: REPO, pullRequest: pr }) };
  }

  const comments = (github: FakeGitHubServer, pr: number) => github.repo(REPO).commentsOn(pr);

  it('posts one comment, then edits it in place, and skips the write when nothing changed', async () => {
    const { ws, github, pr, env } = await setup();
    const first = await ws.run(['plan', '--comment'], { env });
    expect(first.exitCode, describeRun(first)).toBe(0);
    expect(first.stderr).toMatch(/Plan comment created: https:\/\/github.com\/acme\/keys\/pull\/1#issuecomment-\d+/);
    expect(comments(github, pr)).toHaveLength(1);
    const [comment] = comments(github, pr);
    expect(comment?.author).toBe(ACTIONS_BOT);
    expect(comment?.body.startsWith('<!-- keyplan:plan config=keys.yaml ownership=default -->\n')).toBe(true);
    const seen = visibleText(renderGfm(comment?.body ?? ''));
    expect(seen).toContain('keyplan plan for keys.yaml Plan: 2 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(seen).toContain('🟢 create Billing_Reader');
    expect(github.repo(REPO).issues.get(pr)?.labels).toEqual(['keyplan:changes']);
    expect(github.repo(REPO).labels.get('keyplan:changes')?.color).toBe('fbca04');

    const again = await ws.run(['plan', '--comment'], { env });
    expect(again.stderr, describeRun(again)).toContain('Plan comment unchanged');
    expect(github.requests.filter((r) => r.includes('/comments') && !r.startsWith('GET'))).toHaveLength(1);

    await applyLocally(ws);
    const after = await ws.run(['plan', '--comment'], { env });
    expect(after.stderr, describeRun(after)).toContain('Plan comment updated');
    expect(comments(github, pr)).toHaveLength(1);
    expect(visibleText(renderGfm(comments(github, pr)[0]?.body ?? ''))).toContain('No changes. The key service matches the configuration.');
    expect(github.repo(REPO).issues.get(pr)?.labels).toEqual(['keyplan:no-changes']);
    expect(await ws.readFile('step-output.txt')).toContain('has-changes=false\ncomment-url=https://github.com/acme/keys/pull/1#issuecomment-');
  });

  it('keeps one comment per configuration and never edits a foreign comment quoting the marker', async () => {
    const { ws, github, pr, env } = await setup();
    await ws.writeKeysYaml({ providers: { default: { type: 'local', path: '.keyplan/other.db' } }, keys: [{ name: 'Other_Key', roles: ['READONLY'], expires: '30d', deliver: [toFile('OTHER_KEY')] }] }, 'teams/other.yaml');
    const quote = '<!-- keyplan:plan config=keys.yaml ownership=default -->\n> quoting the bot: please fix';
    const foreign = github.seedComment(REPO, pr, 'alice', quote);

    expect((await ws.run(['plan', '--comment'], { env })).exitCode).toBe(0);
    expect((await ws.run(['plan', '--comment', '-c', 'teams/other.yaml'], { env })).exitCode).toBe(0);
    await applyLocally(ws);
    expect((await ws.run(['plan', '--comment'], { env })).exitCode).toBe(0);

    const bodies = comments(github, pr).map((c) => c.body.split('\n')[0]);
    expect(bodies).toEqual([
      '<!-- keyplan:plan config=keys.yaml ownership=default -->',
      '<!-- keyplan:plan config=keys.yaml ownership=default -->',
      '<!-- keyplan:plan config=teams/other.yaml ownership=default -->',
    ]);
    expect(github.repo(REPO).comments.get(foreign.id)?.body).toBe(quote);
    expect(github.requests.filter((r) => r === `PATCH /repos/${REPO}/issues/comments/${foreign.id}`)).toEqual([]);
    // keys.yaml has no changes now, teams/other.yaml still has: the PR is labelled by the union.
    expect(github.repo(REPO).issues.get(pr)?.labels).toEqual(['keyplan:changes']);
  });

  it('--comment-mode recreate posts a new comment and minimizes the old one as OUTDATED', async () => {
    const { ws, github, pr, env } = await setup();
    await ws.run(['plan', '--comment', '--comment-mode', 'recreate'], { env });
    await applyLocally(ws);
    const result = await ws.run(['plan', '--comment', '--comment-mode', 'recreate'], { env });
    expect(result.stderr, describeRun(result)).toContain('Plan comment recreated');
    const [old, current] = comments(github, pr);
    expect(old?.minimized).toBe('OUTDATED');
    expect(current?.minimized).toBeUndefined();
    expect(visibleText(renderGfm(current?.body ?? ''))).toContain('No changes.');
  });

  it('labels a plan that revokes, and a plan that fails, and --no-labels leaves labels alone', async () => {
    const { ws, github, pr, env } = await setup();
    await applyLocally(ws);
    await ws.writeKeysYaml({ keys: CONFIG.keys?.slice(0, 1) });
    expect((await ws.run(['plan', '--comment'], { env })).exitCode).toBe(0);
    expect(github.repo(REPO).issues.get(pr)?.labels.sort()).toEqual(['keyplan:changes', 'keyplan:revokes']);

    await ws.writeKeysYaml({ keys: [{ name: 'Billing_Reader', roles: ['NO_SUCH_ROLE'], expires: '30d' }] });
    const failed = await ws.run(['plan', '--comment'], { env });
    expect(failed.exitCode, describeRun(failed)).toBe(1);
    expect(github.repo(REPO).issues.get(pr)?.labels).toEqual(['keyplan:error']);
    expect(visibleText(renderGfm(comments(github, pr)[0]?.body ?? ''))).toContain('Plan failed: 1 problem must be fixed first');
    expect(failed.stdout).toMatch(/^::error file=keys\.yaml,line=\d+,col=\d+,title=keyplan%3A default\/Billing_Reader::unknown role NO_SUCH_ROLE/m);

    await ws.writeKeysYaml(CONFIG);
    expect((await ws.run(['plan', '--comment', '--no-labels'], { env })).exitCode).toBe(0);
    expect(github.repo(REPO).issues.get(pr)?.labels).toEqual(['keyplan:error']);
  });

  it('plans 5,000 changes into one comment GitHub accepts, with the full plan in the step summary', async () => {
    const { ws, github, pr, env } = await setup();
    const keys = Array.from({ length: 5000 }, (_, i) => ({ name: `Key_${String(i).padStart(4, '0')}`, description: `generated key ${i} with a description long enough to matter`, roles: ['READONLY'], expires: '30d', deliver: [toFile(`KEY_${i}`)] }));
    await ws.writeKeysYaml({ keys });
    const result = await ws.run(['plan', '--comment'], { env, timeoutMs: 120_000 });
    expect(result.exitCode, describeRun(result)).toBe(0);
    const body = comments(github, pr)[0]?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(65_536);
    const seen = visibleText(renderGfm(body));
    expect(seen).toContain('Plan: 5000 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(seen).toMatch(/Shortened to fit GitHub's size limit \(\d+ characters\): \d+ changes are not shown\. The full plan: the step summary of this run\./);
    expect(body).toContain('(https://github.com/acme/keys/actions/runs/4242)');
    const summary = await ws.readFile('step-summary.md');
    expect(summary.match(/^- 🟢 create `Key_\d{4}`$/gm)).toHaveLength(5000);
  });

  it('on a fork (read-only token) prints the plan, fills the step summary, warns, and exits as the plan alone would', async () => {
    const { ws, github, pr } = await setup();
    const env = await ws.actionsEnv(github, { repo: REPO, pullRequest: pr, fork: true });
    for (const identity of github.tokens.values()) identity.canWrite = false;
    const result = await ws.run(['plan', '--comment', '--detailed-exitcode'], { env });
    expect(result.exitCode, describeRun(result)).toBe(2);
    expect(result.stdout).toContain('Plan: 2 to create');
    expect(result.stderr).toContain('Warning: no comment was posted on pull request #1: GitHub refused the token in GITHUB_TOKEN write access to acme/keys (pull requests from forks get a read-only token).');
    expect(result.stderr).toContain('`workflow_run`');
    expect(comments(github, pr)).toEqual([]);
    expect(await ws.readFile('step-summary.md')).toContain('**Plan:** 2 to create');
  });

  it('says what is missing when there is no pull request or token, without touching GitHub', async () => {
    const { ws, github } = await setup();
    const noPr = await ws.run(['plan', '--comment'], { env: { ...(await ws.actionsEnv(github, { repo: REPO })) } });
    expect(noPr.exitCode).toBe(1);
    expect(noPr.stderr).toContain('Error: --comment needs a pull request: run it in a pull_request workflow, or pass --pr N --repo owner/name');
    const noToken = await ws.run(['plan', '--comment', '--pr', '1', '--repo', REPO], { env: { GITHUB_TOKEN: undefined, GH_TOKEN: undefined, GITHUB_API_URL: github.url, GITHUB_EVENT_PATH: undefined } });
    expect(noToken.exitCode).toBe(1);
    expect(noToken.stderr).toContain('Error: no GitHub token: set GITHUB_TOKEN or GH_TOKEN to a token that may comment on pull requests');
    const missing = await ws.run(['plan', '--comment', '--pr', '99', '--repo', REPO], { env: await ws.actionsEnv(github, { repo: REPO }) });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Error: pull request #99 of acme/keys not found, or not visible to the token in GITHUB_TOKEN');
    expect(github.requests.some((r) => r.includes('/comments') && !r.startsWith('GET'))).toBe(false);
  });
});
