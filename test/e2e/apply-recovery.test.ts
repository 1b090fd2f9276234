import { mkdir, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import {
  activeByName,
  activeKeys,
  allKeys,
  apply,
  expectExit,
  fileMode,
  httpTarget,
  readSecretsFile,
  recoveryFiles,
  secretIn,
  sweepFiles,
  whoami,
  writeConfig,
} from './helpers/apply-world.js';
import { useWorkspace } from './helpers/workspace.js';

function fileKey(name: string, path: string, overrides: Partial<KeysYamlKey> = {}): KeysYamlKey {
  const format = path.endsWith('.json') ? 'json' : 'dotenv';
  return { name, description: `${name} key`, roles: ['READONLY'], expires: '30d', deliver: [{ type: 'file', path, format, var: `${name.toUpperCase()}_KEY` }], ...overrides };
}

describe('keyplan apply when delivery fails', () => {
  const workspace = useWorkspace();

  it('keeps the old key, saves the secret to a 0600 recovery file, and the next apply delivers that same secret', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const { service } = target;
    await writeConfig(ws, target, [fileKey('Alpha', 'vault/alpha.env'), fileKey('Beta', 'vault/beta.env')]);
    await expectExit(apply(ws, target), 0);
    const oldAlphaSecret = await secretIn(ws, 'vault/alpha.env', 'ALPHA_KEY');
    const oldAlpha = await activeByName(service, 'Alpha');
    const beta = await activeByName(service, 'Beta');

    // The sink files hold no JSON object, so merging a secret into them fails at delivery: plan checks that the
    // place can be written, not what a file already holds, so this failure is one only apply meets.
    await mkdir(ws.path('blocked'));
    await writeFile(ws.path('blocked/alpha.json'), 'not json\n');
    await writeFile(ws.path('blocked/gamma.json'), 'not json\n');
    // Alpha rotates (new expiry) into the blocked path, Gamma is created there, Beta is to be revoked.
    await writeConfig(ws, target, [fileKey('Alpha', 'blocked/alpha.json', { expires: '60d' }), fileKey('Gamma', 'blocked/gamma.json')]);
    const failed = await expectExit(apply(ws, target), 1);
    expect(failed.stdout).toContain('delivery failed');
    expect(failed.stdout).toContain(`the old key ${oldAlpha.id} is kept`);
    expect(failed.stdout).toContain('not revoked because an earlier action failed');

    const [recovery, ...others] = await recoveryFiles(ws);
    expect(others).toEqual([]);
    expect(await fileMode(ws.path(recovery as string))).toBe(0o600);
    const saved = await readSecretsFile(ws, recovery as string);
    const alphaSecret = saved.get('ALPHA__MAIN') as string;
    const gammaSecret = saved.get('GAMMA__MAIN') as string;
    expect(alphaSecret).toMatch(/^kp_/);
    expect(gammaSecret).toMatch(/^kp_/);
    // Nothing was lost: the new secrets already work, and so do the old Alpha key and Beta.
    expect(await whoami(service, alphaSecret)).toEqual({ status: 200, name: 'Alpha' });
    expect(await whoami(service, gammaSecret)).toEqual({ status: 200, name: 'Gamma' });
    expect((await whoami(service, oldAlphaSecret)).status).toBe(200);
    const stillActive = (await activeKeys(service)).map((key) => key.id);
    expect(stillActive).toEqual(expect.arrayContaining([oldAlpha.id, beta.id]));
    const journal = JSON.parse(await ws.readFile('.keyplan/journal.json')) as { pending: { spec: { name: string } }[] };
    expect(journal.pending.map((entry) => entry.spec.name).sort()).toEqual(['Alpha', 'Gamma']);
    const keysAfterFailure = await allKeys(service);
    expect(keysAfterFailure).toHaveLength(4);

    // Fix the path; the next apply finishes the interrupted deliveries first (replayed creates).
    await rm(ws.path('blocked'), { recursive: true });
    const resumed = await expectExit(apply(ws, target), 0);
    expect(resumed.stdout).toContain('Plan: 0 to create, 0 to update, 0 to rotate, 1 to revoke, 2 to finish.');
    expect(resumed.stdout).toContain('Apply complete: 0 created, 0 updated, 0 rotated, 1 revoked, 2 finished.');
    // Both secrets are delivered now: the recovery file that held them is gone.
    expect(await recoveryFiles(ws)).toEqual([]);
    expect(await fileMode(ws.path('blocked/alpha.json'))).toBe(0o600);
    expect(await secretIn(ws, 'blocked/alpha.json', 'ALPHA_KEY')).toBe(alphaSecret);
    expect(await secretIn(ws, 'blocked/gamma.json', 'GAMMA_KEY')).toBe(gammaSecret);
    const keys = await allKeys(service);
    expect(keys.map((key) => key.id).sort()).toEqual(keysAfterFailure.map((key) => key.id).sort());
    expect((await activeKeys(service)).map((key) => key.name).sort()).toEqual(['Alpha', 'Gamma']);
    expect((await whoami(service, oldAlphaSecret)).status).toBe(401);
    expect((await allKeys(service)).find((key) => key.id === beta.id)?.revoked_at).not.toBeNull();
    await expect(ws.readFile('.keyplan/journal.json')).rejects.toMatchObject({ code: 'ENOENT' });
    await expectExit(apply(ws, target), 0);
    await sweepFiles(ws, ['vault/alpha.env', 'vault/beta.env', 'blocked/alpha.json', 'blocked/gamma.json']);
  });
});
