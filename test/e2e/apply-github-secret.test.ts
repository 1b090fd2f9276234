import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeRun } from './helpers/cli.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';
import { FakeGitHubServer, TOKEN } from '../github/fake-github.js';

const NO_GITHUB_ENV = { GITHUB_TOKEN: undefined, GH_TOKEN: undefined, GITHUB_API_URL: undefined };

describe('keyplan apply delivering to GitHub Actions secrets', () => {
  const workspace = useWorkspace('keyplan-e2e-github-');
  let github: FakeGitHubServer;

  beforeEach(async () => {
    github = await FakeGitHubServer.start(TOKEN);
  });

  afterEach(async () => {
    await github.stop();
  });

  async function configure(ws: E2eWorkspace): Promise<void> {
    ws.secrets.addSecret(TOKEN);
    await ws.writeKeysYaml({
      keys: [
        {
          name: 'Billing_Reader',
          description: 'Reads invoices',
          roles: ['READONLY'],
          deliver: [
            { type: 'github-secret', repo: 'acme/billing', name: 'BILLING_API_KEY' },
            { type: 'github-secret', repo: 'acme/billing', name: 'BILLING_API_KEY', environment: 'production' },
          ],
        },
      ],
    });
  }

  function applyWith(ws: E2eWorkspace, env: Record<string, string | undefined>) {
    return ws.run(['apply', '--auto-approve'], { env: { ...NO_GITHUB_ENV, ...env } });
  }

  it('refuses before changing anything when no GitHub token is set', async () => {
    const ws = workspace();
    await configure(ws);
    const result = await applyWith(ws, { GITHUB_API_URL: github.url });
    expect(result.exitCode, describeRun(result)).toBe(1);
    expect(result.stdout).toContain('delivers to a GitHub Actions secret, but no GitHub token is set: set GITHUB_TOKEN or GH_TOKEN');
    expect(github.requests).toEqual([]);
    const plan = await ws.run(['plan'], { env: NO_GITHUB_ENV });
    expect(plan.stdout).toContain('+ create Billing_Reader');
  });

  it('seals the new secret into the repository and environment secrets', async () => {
    const ws = workspace();
    await configure(ws);
    const result = await applyWith(ws, { GH_TOKEN: TOKEN, GITHUB_API_URL: github.url });
    for (const received of github.received) ws.secrets.addSecret(received.plaintext);

    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(github.received.map((r) => r.path).sort()).toEqual([
      '/repos/acme/billing/actions/secrets/BILLING_API_KEY',
      '/repos/acme/billing/environments/production/secrets/BILLING_API_KEY',
    ]);
    const [first, second] = github.received;
    expect(first?.plaintext).toMatch(/^kp_/);
    expect(second?.plaintext).toBe(first?.plaintext);
    const plan = await ws.run(['plan', '--detailed-exitcode'], { env: NO_GITHUB_ENV });
    expect(plan.exitCode, describeRun(plan)).toBe(0);
  });

  it('keeps the secret in a recovery file and exits 1 when GitHub refuses the write', async () => {
    const ws = workspace();
    await configure(ws);
    github.writeStatus = 403;
    const result = await applyWith(ws, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });
    for (const received of github.received) ws.secrets.addSecret(received.plaintext);

    expect(result.exitCode, describeRun(result)).toBe(1);
    expect(result.stdout).toContain('the token in GITHUB_TOKEN cannot write secrets of acme/billing (needs the secrets: write permission)');
    expect(result.stdout).toContain('cannot write secrets of environment "production" of acme/billing (needs the environments: write permission)');
    const recovery = /saved to (\S+recovery-[^\s;]+\.env)/.exec(result.stdout)?.[1];
    expect(recovery, describeRun(result)).toBeDefined();
    const plaintext = github.received[0]?.plaintext ?? '';
    expect(await ws.readFile(recovery as string)).toContain(`BILLING_READER__DEFAULT=${plaintext}`);
  });
});
