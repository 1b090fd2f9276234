import { describe, expect, it } from 'vitest';
import { httpProvider, type KeysYamlKey } from './helpers/keys-yaml.js';
import { activeByName, allKeys, expectExit, whoami } from './helpers/apply-world.js';
import { useWorkspace } from './helpers/workspace.js';

const MGMT_ENV = 'KP_MGMT_TOKEN';

function svc(): KeysYamlKey {
  return { name: 'Svc', description: 'Serves', roles: ['READONLY'], deliver: [{ type: 'file', path: 'secrets.env', format: 'dotenv', var: 'SVC_KEY' }] };
}

describe('keyplan never revokes or rotates away the credential it runs with', () => {
  const workspace = useWorkspace();

  it('prune would revoke the unmanaged key in the token variable: a plan error no flag overrides', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const mgmt = await service.createKey('mgmt', ['ADMIN'], { description: 'CI management key' });
    await ws.writeKeysYaml({ providers: { main: httpProvider(service.url, MGMT_ENV) }, policy: { prune: true }, keys: [svc()] });
    const env = { [MGMT_ENV]: mgmt.secret };

    const plan = await expectExit(ws.run(['plan', '--detailed-exitcode'], { env }), 1);
    expect(plan.stdout).toContain(`mgmt (${mgmt.id}) is the key keyplan authenticates with (the token in ${MGMT_ENV})`);
    expect(plan.stdout).not.toContain('- revoke mgmt');
    const applied = await expectExit(ws.run(['apply', '--auto-approve', '--allow-in-use', '--force'], { env }), 1);
    expect(applied.stdout).toContain(`is the key keyplan authenticates with (the token in ${MGMT_ENV})`);
    expect((await allKeys(service)).map((k) => [k.name, k.revoked_at])).toEqual([['mgmt', null]]);
    expect(await whoami(service, mgmt.secret)).toEqual({ status: 200, name: 'mgmt' });
  });

  it('a declared change that would rotate it is a plan error too; editing it in place is fine', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const mgmt = await service.createKey('mgmt', ['ADMIN'], { description: 'CI management key' });
    const env = { [MGMT_ENV]: mgmt.secret };
    const declared = (extra: Partial<KeysYamlKey>) =>
      ws.writeKeysYaml({ providers: { main: httpProvider(service.url, MGMT_ENV) }, keys: [{ name: 'mgmt', description: 'CI management key', roles: ['ADMIN'], ...extra }] });

    // Adopting it (an update, the secret is kept) is fine.
    await declared({ description: 'CI management key (keyplan)', expires: 'never' });
    await expectExit(ws.run(['apply', '--auto-approve'], { env }), 0);
    expect(await activeByName(service, 'mgmt')).toMatchObject({ id: mgmt.id, metadata: { 'managed-by': 'keyplan' } });

    // A new expiry cannot be edited in place: the rotation would revoke the key keyplan runs with.
    await declared({ description: 'CI management key (keyplan)', expires: '30d', deliver: [{ type: 'file', path: 'mgmt.env', format: 'dotenv', var: 'MGMT' }] });
    const plan = await expectExit(ws.run(['plan'], { env }), 1);
    expect(plan.stdout).toContain(`mgmt (${mgmt.id}) is the key keyplan authenticates with (the token in ${MGMT_ENV}): rotating it`);
    await expectExit(ws.run(['apply', '--auto-approve', '--allow-in-use', '--force'], { env }), 1);
    expect(await activeByName(service, 'mgmt')).toMatchObject({ id: mgmt.id });
    expect(await whoami(service, mgmt.secret)).toEqual({ status: 200, name: 'mgmt' });
  });
});
