import { mkdir, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { activeKeys, apply, expectExit, localTarget, readSecretsFile, recoveryFiles, secretIn, sweepFiles, whoami, writeConfig } from './helpers/apply-world.js';
import { useWorkspace } from './helpers/workspace.js';

function key(name: string, overrides: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], expires: '30d', ...overrides };
}

describe('keyplan apply after a delivery target failed', () => {
  const workspace = useWorkspace();

  it('a bad --secrets-out does not jam later applies: each resumed secret goes where keys.yaml and this run say, one recovery file, emptied as secrets are delivered', async () => {
    const ws = workspace();
    const target = await localTarget(ws);
    const { service } = target;
    // The files in `blocked/` hold no JSON object, so merging a secret into them fails at delivery (plan checks
    // that the place can be written, not what a file already holds: this failure is one only apply meets).
    await mkdir(ws.path('blocked'));
    await writeFile(ws.path('blocked/x.json'), 'not json\n');
    await writeFile(ws.path('blocked/other.json'), 'not json\n');
    await writeConfig(ws, target, [key('Svc'), key('Other')]);
    const failed = await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', 'blocked/x.json']), 1);
    expect(failed.stdout).toContain('delivery failed');
    const [recovery, ...more] = await recoveryFiles(ws);
    expect(more).toEqual([]);
    const saved = await readSecretsFile(ws, recovery as string);
    expect([...saved.keys()].sort()).toEqual(['OTHER__MAIN', 'SVC__MAIN']);

    // plan shows the unfinished work, counted as changes.
    const plan = await expectExit(ws.run(['plan', '--detailed-exitcode', '--secrets-out', 'out/s.env']), 2);
    expect(plan.stdout).toContain('~ finish Svc');
    expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 0 to rotate, 0 to revoke, 2 to finish.');

    // The earlier run's flag is not remembered: with no target at all, apply refuses before doing anything.
    const nowhere = await expectExit(apply(ws, target, ['--auto-approve']), 1);
    expect(nowhere.stdout).toContain('Svc: gets a new secret with nowhere to deliver it');
    expect(nowhere.stderr).toContain('the plan has problems');

    // Svc now declares a good sink, Other a bad one. Svc is delivered, Other is not (one undeliverable entry
    // does not block the other), and its secret stays in the same recovery file: no second copy anywhere.
    await writeConfig(ws, target, [
      key('Svc', { deliver: [{ type: 'file', path: 'vault/svc.env', format: 'dotenv', var: 'SVC_KEY' }] }),
      key('Other', { deliver: [{ type: 'file', path: 'blocked/other.json', format: 'json', var: 'OTHER_KEY' }] }),
    ]);
    const partly = await expectExit(apply(ws, target, ['--auto-approve']), 1);
    expect(partly.stdout).toMatch(/✓ finished main\/Svc .*vault\/svc\.env \(SVC_KEY\)/);
    expect(partly.stdout).toContain(`the secret is still in ${recovery}`);
    expect(partly.stdout).toContain('1 new secret not yet delivered is in');
    expect(await recoveryFiles(ws)).toEqual([recovery]);
    expect(await secretIn(ws, 'vault/svc.env', 'SVC_KEY')).toBe(saved.get('SVC__MAIN'));
    expect([...(await readSecretsFile(ws, recovery as string)).keys()]).toEqual(['OTHER__MAIN']);

    // Other declares no sink again; a good --secrets-out for this run: Other is delivered there, the recovery
    // file is deleted, the journal is done.
    await writeConfig(ws, target, [key('Svc', { deliver: [{ type: 'file', path: 'vault/svc.env', format: 'dotenv', var: 'SVC_KEY' }] }), key('Other')]);
    const done = await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', 'out/fixed.env']), 0);
    expect(done.stdout).toContain('Apply complete: 0 created, 0 updated, 0 rotated, 0 revoked, 1 finished.');
    expect(await secretIn(ws, 'out/fixed.env', 'OTHER')).toBe(saved.get('OTHER__MAIN'));
    expect(await recoveryFiles(ws)).toEqual([]);
    await expect(ws.readFile('.keyplan/journal.json')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await activeKeys(service)).map((k) => k.name).sort()).toEqual(['Other', 'Svc']);
    expect(await whoami(service, saved.get('SVC__MAIN') as string)).toEqual({ status: 200, name: 'Svc' });
    expect(await whoami(service, saved.get('OTHER__MAIN') as string)).toEqual({ status: 200, name: 'Other' });
    await expectExit(ws.run(['plan', '--detailed-exitcode']), 0);
    await sweepFiles(ws, ['vault/svc.env', 'out/fixed.env']);
  });

  it('a corrupt or unreadable journal is a one-line error naming the file and what to do', async () => {
    const ws = workspace();
    const target = await localTarget(ws);
    await writeConfig(ws, target, [key('Svc')]);
    await ws.writeFile('.keyplan/journal.json', '{"kind": "keyplan-journal", "pending": [');
    for (const args of [['plan'], ['apply', '--auto-approve', '--secrets-out', 'out/s.env']]) {
      const result = await expectExit(ws.run(args), 1);
      expect(result.stderr).toMatch(/^Error: cannot read the apply journal \.keyplan\/journal\.json \(not valid JSON\)\. .*move it aside to start afresh.*\n$/);
      expect(result.stderr).not.toContain('internal error');
    }
    await sweepFiles(ws, []);
  });
});
