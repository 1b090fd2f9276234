import { describe, expect, it } from 'vitest';
import { describeRun } from './helpers/cli.js';
import type { KeysYaml } from './helpers/keys-yaml.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';
import { ACTIONS_BOT } from '../github/fake-github.js';
import { elementText, renderGfm, visibleText } from '../render/gfm.js';

const REPO = 'acme/keys';
const SHA = 'c0ffee0000000000000000000000000000000042';

const CONFIG: KeysYaml = {
  keys: [
    { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], expires: '30d', owner: 'team-billing' },
    { name: 'Export_Job', description: 'nightly export', roles: ['READONLY'], expires: '30d', consumers: ['nightly-export'] },
  ],
};

async function registerSecrets(ws: E2eWorkspace): Promise<void> {
  for (const value of (await ws.readFile('secrets.env').catch(() => '')).match(/kp_[A-Za-z0-9_-]+/g) ?? []) ws.secrets.addSecret(value);
}

describe('keyplan apply --comment on the merged pull request', () => {
  const workspace = useWorkspace('keyplan-e2e-apply-pr-');

  it('reports what was created and where the secrets went, on the PR the commit was merged by', async () => {
    const ws = workspace();
    const github = await ws.startGitHub();
    const pr = github.repo(REPO).addPullRequest({ title: 'Add billing keys' }).number;
    github.mergeCommit(REPO, pr, SHA);
    await ws.writeKeysYaml(CONFIG);
    const env = await ws.actionsEnv(github, { repo: REPO, sha: SHA });

    const result = await ws.run(['apply', '--auto-approve', '--comment', '--secrets-out', 'secrets.env'], { env });
    await registerSecrets(ws);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stderr).toMatch(/Apply comment posted: https:\/\/github.com\/acme\/keys\/pull\/1#issuecomment-\d+/);
    expect(github.requests).toContain(`GET /repos/${REPO}/commits/${SHA}/pulls?per_page=100`);
    const [comment] = github.repo(REPO).commentsOn(pr);
    expect(comment?.author).toBe(ACTIONS_BOT);
    const html = renderGfm(comment?.body ?? '');
    expect(visibleText(html)).toContain('keyplan apply for keys.yaml Apply complete: 2 created, 0 updated, 0 rotated, 0 revoked.');
    expect(elementText(html, 'tr', 'Billing_Reader')).toMatch(/^✅ created default\/Billing_Reader key_\S+ secrets\.env \(BILLING_READER\)$/);
    expect(visibleText(renderGfm(await ws.readFile('step-summary.md')))).toContain('Apply complete: 2 created');
  });

  it('reports an apply refused by a gate on the pull request, and exits 3', async () => {
    const ws = workspace();
    const github = await ws.startGitHub();
    const pr = github.repo(REPO).addPullRequest().number;
    github.mergeCommit(REPO, pr, SHA);
    await ws.writeKeysYaml(CONFIG);
    const first = await ws.run(['apply', '--auto-approve', '--secrets-out', 'secrets.env']);
    await registerSecrets(ws);
    expect(first.exitCode, describeRun(first)).toBe(0);
    await ws.writeKeysYaml({ keys: CONFIG.keys?.slice(0, 1) });

    const result = await ws.run(['apply', '--auto-approve', '--comment'], { env: await ws.actionsEnv(github, { repo: REPO, sha: SHA }) });
    expect(result.exitCode, describeRun(result)).toBe(3);
    expect(result.stdout).toMatch(/^::warning file=keys\.yaml,line=1,col=1,title=keyplan%3A revoke Export_Job \(apply refuses%3A allow-in-use\)::Export_Job \(\S+\) has declared consumers: nightly-export$/m);
    const seen = visibleText(renderGfm(github.repo(REPO).commentsOn(pr)[0]?.body ?? ''));
    expect(seen).toContain('Apply did not run. Nothing was changed.');
    expect(seen).toContain('has declared consumers: nightly-export');
  });

  it('warns and exits 0 when no pull request contains the commit (a direct push)', async () => {
    const ws = workspace();
    const github = await ws.startGitHub();
    github.repo(REPO);
    await ws.writeKeysYaml(CONFIG);
    const result = await ws.run(['apply', '--auto-approve', '--comment', '--secrets-out', 'secrets.env'], { env: await ws.actionsEnv(github, { repo: REPO, sha: SHA }) });
    await registerSecrets(ws);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stderr).toContain(`Warning: no comment was posted: no pull request of acme/keys contains commit ${SHA}`);
  });
});

describe('keyplan audit --issue keeps one living issue', () => {
  const workspace = useWorkspace('keyplan-e2e-audit-issue-');

  it('opens, skips unchanged, updates, closes when clean, reopens, and closes duplicates; never touches others', async () => {
    const ws = workspace();
    const github = await ws.startGitHub();
    const repo = github.repo(REPO);
    await ws.writeKeysYaml(CONFIG);
    const applied = await ws.run(['apply', '--auto-approve', '--secrets-out', 'secrets.env']);
    await registerSecrets(ws);
    expect(applied.exitCode, describeRun(applied)).toBe(0);
    const env = await ws.actionsEnv(github, { repo: REPO });
    const audit = (...args: string[]) => ws.run(['audit', '--issue', ...args], { env });
    const foreign = repo.addIssue({ title: 'Quoting the audit', author: 'alice', labels: ['keyplan-audit'], body: '<!-- keyplan:audit config=keys.yaml ownership=default -->\nI disagree' });

    const opened = await audit('--as-of', '+40d');
    expect(opened.exitCode, describeRun(opened)).toBe(2);
    expect(opened.stderr).toMatch(/Audit issue opened: https:\/\/github.com\/acme\/keys\/issues\/2/);
    const issue = repo.issues.get(2);
    expect(issue?.labels).toEqual(['keyplan-audit']);
    expect(repo.labels.get('keyplan-audit')?.color).toBe('5319e7');
    expect(issue?.title).toBe('keyplan audit: findings in keys.yaml');
    const html = renderGfm(issue?.body ?? '');
    expect(elementText(html, 'h3', 'Errors')).toBe('🔴 Errors (2)');
    expect(elementText(html, 'tr', 'Billing_Reader')).toMatch(/^Billing_Reader expired: .+ team-billing Never keys\.yaml:\d+ run keyplan apply to rotate it, or remove it$/);

    const again = await audit('--as-of', '+40d');
    expect(again.stderr, describeRun(again)).toContain('Audit issue unchanged');
    expect(github.requests.filter((r) => r.startsWith('PATCH'))).toEqual([]);

    const later = await audit('--as-of', '+50d');
    expect(later.stderr, describeRun(later)).toContain('Audit issue updated: https://github.com/acme/keys/issues/2');

    const clean = await audit();
    expect(clean.exitCode, describeRun(clean)).toBe(0);
    expect(clean.stderr).toContain('Audit issue closed (the audit is clean)');
    expect(repo.issues.get(2)?.state).toBe('closed');
    expect(repo.commentsOn(2).at(-1)?.body).toMatch(/^The keyplan audit of `keys.yaml` is clean as of \d{4}-\d\d-\d\d; closing\./);

    const back = await audit('--as-of', '+40d');
    expect(back.stderr, describeRun(back)).toContain('Audit issue reopened: https://github.com/acme/keys/issues/2');
    expect(repo.issues.get(2)?.state).toBe('open');

    const copy = repo.addIssue({ title: 'keyplan audit: findings in keys.yaml', author: ACTIONS_BOT, labels: ['keyplan-audit'], body: repo.issues.get(2)?.body ?? '' });
    const deduped = await audit('--as-of', '+40d');
    expect(deduped.stderr, describeRun(deduped)).toContain(`Closed duplicate audit issues: #${copy.number}`);
    expect(repo.issues.get(copy.number)?.state).toBe('closed');
    expect(repo.issues.get(2)?.state).toBe('open');
    expect([...repo.issues.values()].filter((i) => i.state === 'open' && i.author === ACTIONS_BOT)).toHaveLength(1);
    expect(repo.issues.get(foreign.number)).toMatchObject({ state: 'open', body: foreign.body });
  }, 240_000);
});
