import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { describeRun } from './helpers/cli.js';
import type { KeysYaml } from './helpers/keys-yaml.js';
import { useWorkspace } from './helpers/workspace.js';

function sink(variable: string) {
  return { type: 'file', path: '.keyplan/secrets.env', format: 'dotenv', var: variable };
}

/** No `providers:` block: the embedded default store, .keyplan/keys.db, which does not exist yet. */
const FRESH_CONFIG: KeysYaml = {
  keys: [
    { name: 'Billing_Reader', description: 'Reads invoices for the billing dashboard', roles: ['READONLY'], expires: '90d', owner: 'team-billing', deliver: [sink('BILLING')] },
    { name: 'Platform_Deployer', description: 'CI deploys', roles: ['ADMIN'], expires: '30d', consumers: ['ci-deploy'], deliver: [sink('DEPLOYER')] },
    { name: 'Search_Indexer', description: 'Rebuilds the search index', roles: ['READONLY'], expires: 'never', deliver: [sink('SEARCH')] },
  ],
};

describe('keyplan plan against the embedded local store', () => {
  const workspace = useWorkspace();

  it('shows a create for every declared key on a fresh directory, and exits 0', async () => {
    const ws = workspace();
    await ws.writeKeysYaml(FRESH_CONFIG);
    const result = await ws.run(['plan']);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('Provider default (local store .keyplan/keys.db):');
    for (const name of ['Billing_Reader', 'Platform_Deployer', 'Search_Indexer']) expect(result.stdout).toContain(`+ create ${name}`);
    expect(result.stdout).toContain('roles:       ADMIN');
    expect(result.stdout).toContain('expires:     30d');
    expect(result.stdout).toContain('Plan: 3 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(result.stderr).toBe('');
  });

  it('--detailed-exitcode exits 2 when there are changes', async () => {
    const ws = workspace();
    await ws.writeKeysYaml(FRESH_CONFIG);
    const result = await ws.run(['plan', '--detailed-exitcode']);
    expect(result.exitCode, describeRun(result)).toBe(2);
    expect(result.stdout).toContain('Plan: 3 to create');
  });

  it('--detailed-exitcode exits 0 and says so when nothing is declared', async () => {
    const ws = workspace();
    await ws.writeKeysYaml({ keys: [] });
    const result = await ws.run(['plan', '--detailed-exitcode']);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('No changes.');
  });

  it('--format json is versioned JSON listing the actions', async () => {
    const ws = workspace();
    await ws.writeKeysYaml(FRESH_CONFIG);
    const result = await ws.run(['plan', '--format', 'json']);
    expect(result.exitCode, describeRun(result)).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.format_version).toBe('1');
    expect(plan.has_changes).toBe(true);
    expect(plan.summary).toEqual({ create: 3, update: 0, rotate: 0, revoke: 0, finish: 0 });
    expect(plan.providers).toHaveLength(1);
    const [provider] = plan.providers;
    expect(provider.name).toBe('default');
    expect(provider.actions.map((a: { action: string; name: string }) => `${a.action} ${a.name}`)).toEqual([
      'create Billing_Reader',
      'create Platform_Deployer',
      'create Search_Indexer',
    ]);
    const deployer = provider.actions[1];
    expect(deployer.key_id).toBeNull();
    expect(deployer.spec).toMatchObject({ roles: ['ADMIN'], expires: '30d', metadata: { 'managed-by': 'keyplan', 'keyplan-consumers': 'ci-deploy' } });
    expect(deployer.source).toMatchObject({ file: 'keys.yaml', line: expect.any(Number) });
  });

  it('--format markdown carries the summary for a PR comment', async () => {
    const ws = workspace();
    await ws.writeKeysYaml(FRESH_CONFIG);
    const result = await ws.run(['plan', '--format', 'markdown']);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('**Plan:** 3 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(result.stdout).toMatch(/<b>create<\/b> <code>Platform\\?_Deployer<\/code>/);
  });

  it('--out writes a plan file readable only by its owner, holding the plan and no secret', async () => {
    const ws = workspace();
    await ws.writeKeysYaml(FRESH_CONFIG);
    const result = await ws.run(['plan', '--out', 'plan.json']);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stderr).toContain('Saved the plan to plan.json');
    const mode = (await stat(ws.path('plan.json'))).mode & 0o777;
    expect(mode.toString(8)).toBe('600');
    const text = await ws.readFile('plan.json');
    ws.secrets.record('plan.json', text);
    const saved = JSON.parse(text);
    expect(saved.kind).toBe('keyplan-plan');
    expect(text).toContain('Platform_Deployer');
    // Nothing that looks like a key secret, and the store's pepper is not in it either.
    expect(text).not.toMatch(/kps?_[A-Za-z0-9_-]{20,}/);
    const pepper = (await ws.readFile('.keyplan/keys.db.pepper')).trim();
    expect(text).not.toContain(pepper);
  });

  it('reports an invalid keys.yaml with its position and exit 1, with no stack trace', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', 'version: 1\nkeys:\n  - name: Billing_Reader\n    roles: [READONLY]\n    expires: soon\n');
    const result = await ws.run(['plan']);
    expect(result.exitCode, describeRun(result)).toBe(1);
    expect(result.stderr).toMatch(/keys\.yaml:5:\d+: .*soon/);
    expect(result.stderr).not.toContain('    at ');
  });
});
