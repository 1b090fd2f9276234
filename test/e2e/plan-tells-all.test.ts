import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { activeByName, allKeys, apply, expectExit, httpTarget, localTarget, sweepFiles, writeConfig, type ApplyTarget } from './helpers/apply-world.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const NO_GITHUB = { GITHUB_TOKEN: undefined, GH_TOKEN: undefined, GITHUB_API_URL: undefined };

function key(name: string, extra: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], deliver: [{ type: 'file', path: 'secrets.env', format: 'dotenv', var: `${name.toUpperCase()}_KEY` }], ...extra };
}

function plan(ws: E2eWorkspace, target: ApplyTarget, args: string[] = []) {
  return ws.run(['plan', '--detailed-exitcode', ...args], { env: { KP_E2E_TOKEN: target.service.adminKey, ...NO_GITHUB } });
}

/** apply refuses what plan reported, and changes nothing. */
async function applyRefuses(ws: E2eWorkspace, target: ApplyTarget, says: string, args: string[] = ['--auto-approve', '--allow-in-use', '--force']): Promise<void> {
  const before = await allKeys(target.service);
  const refused = await expectExit(ws.run(['apply', ...args], { env: { KP_E2E_TOKEN: target.service.adminKey, ...NO_GITHUB } }), 1);
  expect(`${refused.stdout}${refused.stderr}`).toContain(says);
  expect(await allKeys(target.service)).toEqual(before);
}

describe.each([
  ['local', (ws: E2eWorkspace) => localTarget(ws)],
  ['http', async (ws: E2eWorkspace) => httpTarget(await ws.startKeyService())],
])('whatever apply refuses, plan reports first (%s provider)', (_kind, makeTarget) => {
  const workspace = useWorkspace();

  it('a new secret with nowhere to go: plan error with the fix; --secrets-out on plan and apply clears it', async () => {
    const ws = workspace();
    const target = await makeTarget(ws);
    await writeConfig(ws, target, [{ name: 'Homeless', description: 'no deliver', roles: ['READONLY'] }]);
    const refused = await expectExit(plan(ws, target), 1);
    expect(refused.stdout).toContain('Homeless: gets a new secret with nowhere to deliver it: add a `deliver:` target to the key, or pass --secrets-out FILE');
    await applyRefuses(ws, target, 'nowhere to deliver it');
    await expectExit(plan(ws, target, ['--secrets-out', 'out.env']), 2);
    await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', 'out.env']), 0);
    await sweepFiles(ws, ['out.env']);
  });

  it('a github-secret sink with no GitHub token: plan error naming the variables', async () => {
    const ws = workspace();
    const target = await makeTarget(ws);
    await writeConfig(ws, target, [key('Gh', { deliver: [{ type: 'github-secret', repo: 'acme/billing', name: 'GH_KEY' }] })]);
    const refused = await expectExit(plan(ws, target), 1);
    expect(refused.stdout).toContain('Gh: delivers to a GitHub Actions secret, but no GitHub token is set: set GITHUB_TOKEN or GH_TOKEN');
    await applyRefuses(ws, target, 'no GitHub token is set');
  });

  it('revoking a prevent_revoke key is a plan error (not a gate at apply), whatever the flags', async () => {
    const ws = workspace();
    const target = await makeTarget(ws);
    await writeConfig(ws, target, [key('Vault', { prevent_revoke: true }), key('Other')]);
    await expectExit(apply(ws, target), 0);
    const vault = await activeByName(target.service, 'Vault');
    await writeConfig(ws, target, [key('Other')]);
    const refused = await expectExit(plan(ws, target), 1);
    expect(refused.stdout).toContain(`revoke main/Vault (${vault.id}): Vault (${vault.id}) has prevent_revoke`);
    await applyRefuses(ws, target, 'has prevent_revoke');
    // A rotation revokes the old key too.
    await writeConfig(ws, target, [key('Vault', { prevent_revoke: true, expires: '30d' }), key('Other')]);
    expect((await expectExit(plan(ws, target), 1)).stdout).toContain('has prevent_revoke');
    await sweepFiles(ws, ['secrets.env']);
  });
});

describe('validate and plan point at the field', () => {
  const workspace = useWorkspace();

  it('a fixed expires date in the past fails validate, at the expires: value', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', ['version: 1', 'keys:', '  - name: Old', '    roles: [READONLY]', '    expires: 2020-01-01', ''].join('\n'));
    const result = await expectExit(ws.run(['validate']), 1);
    expect(result.stderr).toContain('keys.yaml:5:14: expires 2020-01-01 is in the past');
  });

  it('an unknown role is a plan error at the roles: value', async () => {
    const ws = workspace();
    const target = await localTarget(ws);
    await ws.writeFile(
      'keys.yaml',
      ['version: 1', 'providers:', '  main: { type: local, path: .keyplan/keys.db }', 'keys:', '  - name: Odd', '    roles: [NOPE]', '    deliver: [{ type: file, path: s.env, format: dotenv, var: ODD }]', ''].join('\n'),
    );
    const result = await expectExit(plan(ws, target), 1);
    expect(result.stdout).toContain('keys.yaml:6:12: Odd: unknown role NOPE');
    const json = await expectExit(ws.run(['plan', '--format', 'json']), 1);
    expect((JSON.parse(json.stdout) as { providers: { problems: { source: unknown }[] }[] }).providers[0]?.problems[0]?.source).toEqual({ file: 'keys.yaml', line: 6, column: 12 });
  });
});
