import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { TOKEN_ENV, activeByName, activeKeys, expectExit, httpTarget, secretIn, sweepFiles, type ApplyTarget } from './helpers/apply-world.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

function key(name: string, extra: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], deliver: [{ type: 'file', path: 'secrets.env', format: 'dotenv', var: `${name.toUpperCase()}_KEY` }], ...extra };
}

/** Two configurations in their own directories, one key service. `a` has no `ownership:` (the default). */
function team(ws: E2eWorkspace, target: ApplyTarget, dir: string, ownership: string | undefined) {
  const env = { [TOKEN_ENV]: target.service.adminKey };
  const config = `${dir}/keys.yaml`;
  return {
    write: (keys: KeysYamlKey[], policy?: Record<string, unknown>) =>
      ws.writeKeysYaml({ ...(ownership ? { ownership } : {}), providers: { main: target.provider }, ...(policy ? { policy } : {}), keys }, config),
    run: (args: string[]) => ws.run([...args, '-c', config], { env }),
  };
}

describe('ownership: two keys.yaml files on one key service', () => {
  const workspace = useWorkspace();

  it('never touch each other\'s keys; adopting one is explicit (take_over) and shown in the plan', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const a = team(ws, target, 'team-a', undefined);
    const b = team(ws, target, 'team-b', 'acme/b');

    await a.write([key('A_Key')]);
    await expectExit(a.run(['apply', '--auto-approve']), 0);
    const aKey = await activeByName(target.service, 'A_Key');
    expect(aKey.metadata['keyplan-ownership']).toBeUndefined();
    await b.write([key('B_Key')]);
    await expectExit(b.run(['apply', '--auto-approve']), 0);
    expect((await activeByName(target.service, 'B_Key')).metadata['keyplan-ownership']).toBe('acme/b');

    // b's plan leaves a's key alone (even with prune) and reports it; a's plan leaves b's alone.
    await b.write([key('B_Key')], { prune: true });
    const bPlan = await expectExit(b.run(['plan', '--detailed-exitcode']), 0);
    expect(bPlan.stdout).toContain('No changes');
    expect(bPlan.stdout).toContain('managed-elsewhere');
    expect(bPlan.stdout).toContain('is managed by ownership default, not acme/b');
    await expectExit(b.run(['apply', '--auto-approve', '--allow-in-use', '--force']), 0);
    const aPlan = await expectExit(a.run(['plan', '--detailed-exitcode', '--format', 'json']), 0);
    const aJson = JSON.parse(aPlan.stdout) as { providers: { ownership: string; actions: unknown[]; findings: { kind: string; name: string; message: string }[] }[] };
    expect(aJson.providers[0]?.ownership).toBe('default');
    expect(aJson.providers[0]?.actions).toEqual([]);
    expect(aJson.providers[0]?.findings).toContainEqual(expect.objectContaining({ kind: 'managed-elsewhere', name: 'B_Key' }));
    const audit = await b.run(['audit', '--format', 'json']);
    expect(audit.stdout).toContain('managed-elsewhere');
    expect((await activeKeys(target.service)).map((k) => k.name).sort()).toEqual(['A_Key', 'B_Key']);

    // Declaring a's key in b: refused, naming the owner and the way to adopt it.
    await b.write([key('B_Key'), key('A_Key')]);
    const refused = await expectExit(b.run(['plan']), 1);
    expect(refused.stdout).toContain(`A_Key (${aKey.id}) is managed by ownership default, not acme/b`);
    expect(refused.stdout).toContain('take_over: default');
    await expectExit(b.run(['apply', '--auto-approve']), 1);

    // import leaves a's key out unless asked to take it over.
    expect((await expectExit(b.run(['import']), 0)).stdout).not.toContain('A_Key');
    const imported = await expectExit(b.run(['import', '--take-over']), 0);
    expect(imported.stdout).toContain('name: A_Key');
    expect(imported.stdout).toContain('take_over: default');

    // With take_over the plan shows the adoption; apply keeps the key and its secret, and records b.
    await b.write([key('B_Key'), key('A_Key', { take_over: 'default' })]);
    const takeOver = await expectExit(b.run(['plan', '--detailed-exitcode']), 2);
    expect(takeOver.stdout).toContain('takes the key over from ownership default (take_over)');
    await expectExit(b.run(['apply', '--auto-approve']), 0);
    expect(await activeByName(target.service, 'A_Key')).toMatchObject({ id: aKey.id, metadata: { 'keyplan-ownership': 'acme/b' } });
    const aAfter = await expectExit(a.run(['plan']), 1);
    expect(aAfter.stdout).toContain('is managed by ownership acme/b, not default');

    await secretIn(ws, 'team-a/secrets.env', 'A_KEY_KEY');
    await sweepFiles(ws, ['team-a/secrets.env', 'team-b/secrets.env']);
  });

  it('validate checks the ownership string and points at it', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', 'version: 1\nownership: "bad owner!"\nkeys: []\n');
    const result = await expectExit(ws.run(['validate']), 1);
    expect(result.stderr).toContain('keys.yaml:2:12: ownership: must be an ownership name such as acme/billing-infra');
  });
});
