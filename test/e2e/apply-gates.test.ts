import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { activeByName, activeKeys, allKeys, apply, expectExit, httpTarget, secretIn, sweepFiles, writeConfig, type ApplyTarget } from './helpers/apply-world.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const SECRETS_OUT = 'out/secrets.env';

function key(name: string, overrides: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], ...overrides };
}

async function start(ws: E2eWorkspace, keys: KeysYamlKey[]): Promise<ApplyTarget> {
  const target = httpTarget(await ws.startKeyService());
  await writeConfig(ws, target, keys);
  await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
  return target;
}

/** Runs apply and expects a gate refusal (exit 3) that changed nothing at the service. */
async function expectRefused(ws: E2eWorkspace, target: ApplyTarget, args: string[], mentions: string): Promise<void> {
  const before = await allKeys(target.service);
  const refused = await expectExit(apply(ws, target, args), 3);
  expect(refused.stderr).toContain(mentions);
  expect(refused.stderr).toContain('nothing was changed');
  expect(await allKeys(target.service)).toEqual(before);
}

describe('keyplan apply safety gates', () => {
  const workspace = useWorkspace();

  it('refuses to revoke a key in use until --allow-in-use', async () => {
    const ws = workspace();
    const target = await start(ws, [key('Reader'), key('Writer')]);
    await target.service.useKey(await secretIn(ws, SECRETS_OUT, 'READER'));
    await writeConfig(ws, target, [key('Writer')]);

    await expectRefused(ws, target, ['--auto-approve'], 'pass --allow-in-use to revoke it anyway');
    await expectRefused(ws, target, ['--auto-approve', '--force'], '--allow-in-use');
    const allowed = await expectExit(apply(ws, target, ['--auto-approve', '--allow-in-use']), 0);
    expect(allowed.stdout).toContain('1 revoked');
    expect((await activeKeys(target.service)).map((k) => k.name)).toEqual(['Writer']);
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('refuses to revoke a key with declared consumers until --allow-in-use, even when it was never used', async () => {
    const ws = workspace();
    const target = await start(ws, [key('Feeder', { consumers: ['billing-dashboard'] }), key('Other')]);
    await writeConfig(ws, target, [key('Other')]);
    await expectRefused(ws, target, ['--auto-approve'], 'billing-dashboard');
    await expectExit(apply(ws, target, ['--auto-approve', '--allow-in-use']), 0);
    expect((await activeKeys(target.service)).map((k) => k.name)).toEqual(['Other']);
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('never revokes a key marked prevent_revoke, even with --allow-in-use --force, until the mark is lifted', async () => {
    const ws = workspace();
    const target = await start(ws, [key('Vault', { prevent_revoke: true }), key('Other')]);
    const vault = await activeByName(target.service, 'Vault');
    expect(vault.metadata['keyplan-prevent-revoke']).toBe('true');

    // The block is gone from the YAML, but the mark is recorded on the key itself.
    await writeConfig(ws, target, [key('Other')]);
    // A plan error (exit 1), not a gate: plan reports it first, and no flag gets past it.
    for (const args of [['--auto-approve'], ['--auto-approve', '--allow-in-use', '--force']]) {
      const before = await allKeys(target.service);
      const refused = await expectExit(apply(ws, target, args), 1);
      expect(refused.stdout).toContain('no flag overrides prevent_revoke');
      expect(await allKeys(target.service)).toEqual(before);
    }

    await writeConfig(ws, target, [key('Vault', { prevent_revoke: false }), key('Other')]);
    const lifted = await expectExit(apply(ws, target), 0);
    expect(lifted.stdout).toContain('1 updated');
    expect((await activeByName(target.service, 'Vault')).metadata['keyplan-prevent-revoke']).toBeUndefined();

    await writeConfig(ws, target, [key('Other')]);
    await expectExit(apply(ws, target), 0);
    expect((await activeKeys(target.service)).map((k) => k.name)).toEqual(['Other']);
    expect((await allKeys(target.service)).find((k) => k.id === vault.id)?.revoked_at).not.toBeNull();
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('refuses to revoke 4 of 12 managed keys (above max_change_fraction 0.3) until --force', async () => {
    const ws = workspace();
    const names = Array.from({ length: 12 }, (_, i) => `Service_${String(i + 1).padStart(2, '0')}`);
    const target = await start(ws, names.map((name) => key(name)));
    expect(await activeKeys(target.service)).toHaveLength(12);

    await writeConfig(ws, target, names.slice(4).map((name) => key(name)));
    await expectRefused(ws, target, ['--auto-approve'], 'pass --force to apply anyway');
    await expectRefused(ws, target, ['--auto-approve', '--allow-in-use'], 'max_change_fraction');
    const forced = await expectExit(apply(ws, target, ['--auto-approve', '--force']), 0);
    expect(forced.stdout).toContain('4 revoked');
    expect((await activeKeys(target.service)).map((k) => k.name).sort()).toEqual(names.slice(4));
    await sweepFiles(ws, [SECRETS_OUT]);
  });
});

describe('keyplan apply refusals before anything changes', () => {
  const workspace = useWorkspace();

  it('refuses without --auto-approve when there is no terminal (exit 1)', async () => {
    const ws = workspace();
    const target = await start(ws, [key('Reader')]);
    await writeConfig(ws, target, [key('Reader', { description: 'changed' }), key('Writer')]);
    const before = await allKeys(target.service);
    const refused = await expectExit(apply(ws, target, ['--secrets-out', SECRETS_OUT]), 1);
    expect(refused.stderr).toContain('--auto-approve');
    expect(refused.stderr).toContain('Nothing was changed');
    expect(await allKeys(target.service)).toEqual(before);
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('refuses a create whose secret would have nowhere to go, before the other actions run', async () => {
    const ws = workspace();
    const target = await start(ws, [key('Reader')]);
    await writeConfig(ws, target, [key('Reader', { description: 'changed' }), key('Homeless')]);
    const before = await allKeys(target.service);
    const refused = await expectExit(apply(ws, target), 1);
    expect(refused.stdout).toContain('Homeless: gets a new secret with nowhere to deliver it: add a `deliver:` target to the key, or pass --secrets-out FILE');
    expect(refused.stderr).toContain('Nothing was changed.');
    expect(await allKeys(target.service)).toEqual(before);
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('applies a saved plan, and refuses a stale one (the keys changed since it was saved)', async () => {
    const ws = workspace();
    const target = await start(ws, [key('Reader')]);
    const env = { KP_E2E_TOKEN: target.service.adminKey };
    const reader = await activeByName(target.service, 'Reader');

    await writeConfig(ws, target, [key('Reader', { description: 'saved change' }), key('Writer')]);
    // Writer has no deliver: plan (like apply) needs the --secrets-out it will get.
    expect((await expectExit(ws.run(['plan', '--out', 'fresh.json'], { env }), 1)).stdout).toContain('Writer: gets a new secret with nowhere to deliver it');
    await expectExit(ws.run(['plan', '--out', 'fresh.json', '--secrets-out', SECRETS_OUT], { env }), 0);
    const applied = await expectExit(ws.run(['apply', 'fresh.json', '--auto-approve', '--secrets-out', SECRETS_OUT], { env }), 0);
    expect(applied.stdout).toContain('1 created, 1 updated');
    expect(await activeByName(target.service, 'Reader')).toMatchObject({ id: reader.id, description: 'saved change' });
    await secretIn(ws, SECRETS_OUT, 'WRITER');

    await writeConfig(ws, target, [key('Reader', { description: 'second change' }), key('Writer')]);
    await expectExit(ws.run(['plan', '--out', 'stale.json'], { env }), 0);
    const patched = await target.service.call('PATCH', `/v1/keys/${reader.id}`, { body: { description: 'edited out of band' } });
    expect(patched.status).toBe(200);
    const before = await allKeys(target.service);
    const stale = await expectExit(ws.run(['apply', 'stale.json', '--auto-approve'], { env }), 1);
    expect(stale.stderr).toContain('the saved plan is stale');
    expect(await allKeys(target.service)).toEqual(before);
    await sweepFiles(ws, [SECRETS_OUT]);
  });
});
