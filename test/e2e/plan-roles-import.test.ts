import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeRun } from './helpers/cli.js';
import type { KeyService } from './helpers/key-service.js';
import { httpProvider, type KeysYamlKey } from './helpers/keys-yaml.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const TOKEN_ENV = 'KP_E2E_TOKEN';

/** Adds roles lacking keys:read or roles:read to the default ADMIN and READONLY. */
const ROLES_FILE = `roles:
  ADMIN:
    description: Everything
    permissions: ["*"]
  READONLY:
    description: Read keys and roles
    permissions: [keys:read, roles:read]
  KEY_LISTER:
    description: Lists keys, cannot read roles
    permissions: [keys:read]
  GATEWAY:
    description: Verifies keys only
    permissions: [keys:verify]
`;

async function useConfig(ws: E2eWorkspace, service: KeyService, keys: KeysYamlKey[] = [], include?: string[]): Promise<void> {
  await ws.writeKeysYaml({ ...(include ? { include } : {}), providers: { prod: httpProvider(service.url, TOKEN_ENV) }, keys });
}

describe('keyplan roles and import against a real keyplan serve', () => {
  const workspace = useWorkspace();

  it('roles lists ADMIN and READONLY with the permissions they grant', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await useConfig(ws, service);
    const result = await ws.run(['roles'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('Roles at provider prod:');
    expect(result.stdout).toMatch(/^ {2}ADMIN — .+\n {4}\* \*$/m);
    expect(result.stdout).toMatch(/^ {2}READONLY — .+\n {6}keys:read\n {6}roles:read$/m);

    const json = await ws.run(['roles', '--format', 'json'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(JSON.parse(json.stdout)).toEqual({
      providers: [
        {
          provider: 'prod',
          roles: [
            expect.objectContaining({ name: 'ADMIN', permissions: ['*'] }),
            expect.objectContaining({ name: 'READONLY', permissions: ['keys:read', 'roles:read'] }),
          ],
        },
      ],
    });
  });

  it('plans with a READONLY token: reading is all a plan needs', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const reader = await service.createKey('Plan_Reader', ['READONLY']);
    await useConfig(ws, service, [{ name: 'Billing_Reader', roles: ['READONLY'], deliver: [{ type: 'file', path: 'secrets.env', format: 'dotenv', var: 'BILLING' }] }]);
    const result = await ws.run(['plan'], { env: { [TOKEN_ENV]: reader.secret } });
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('+ create Billing_Reader');
    expect(result.stdout).toContain('Plan: 1 to create, 0 to update, 0 to rotate, 0 to revoke.');
  });

  it('refuses roles and import with a clear 403 naming the missing permission', async () => {
    const ws = workspace();
    const rolesFile = await ws.writeFile('roles.yaml', ROLES_FILE);
    const service = await ws.startKeyService({ rolesFile });
    const lister = await service.createKey('Key_Lister', ['KEY_LISTER']);
    const gateway = await service.createKey('Gateway', ['GATEWAY']);
    await useConfig(ws, service);

    const roles = await ws.run(['roles'], { env: { [TOKEN_ENV]: lister.secret } });
    expect(roles.exitCode, describeRun(roles)).toBe(1);
    expect(roles.stderr).toBe(`Error: the token lacks permission roles:read: cannot read the roles (token from $${TOKEN_ENV}, key service ${service.url})\n`);

    const plan = await ws.run(['plan'], { env: { [TOKEN_ENV]: lister.secret } });
    expect(plan.exitCode, describeRun(plan)).toBe(1);
    expect(plan.stderr).toContain('the token lacks permission roles:read');

    const importRun = await ws.run(['import'], { env: { [TOKEN_ENV]: gateway.secret } });
    expect(importRun.exitCode, describeRun(importRun)).toBe(1);
    expect(importRun.stderr).toBe(`Error: the token lacks permission keys:read: cannot list keys (token from $${TOKEN_ENV}, key service ${service.url})\n`);
    expect(importRun.stdout).toBe('');
  });

  it('import prints YAML for unmanaged keys that, once included, makes plan adopt them instead of creating', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const forever = await service.createKey('Legacy_Reporting', ['READONLY'], { description: 'Nightly reports' });
    const expiring = await service.createKey('Legacy_Admin', ['ADMIN'], { description: 'Old admin script', expires_in: '90d' });
    await service.createKey('Already_Managed', ['READONLY'], { metadata: { 'managed-by': 'keyplan' } });
    const declared: KeysYamlKey[] = [{ name: 'Already_Managed', roles: ['READONLY'] }];
    await useConfig(ws, service, declared);

    const imported = await ws.run(['import'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(imported.exitCode, describeRun(imported)).toBe(0);
    expect(imported.stdout).toContain(forever.id);
    expect(imported.stdout).toContain(expiring.id);
    const importedKeys = (parse(imported.stdout) as { keys: { name: string }[] }).keys;
    expect(importedKeys.map((key) => key.name)).toEqual(['Legacy_Reporting', 'Legacy_Admin']);

    await ws.writeFile('teams/imported.yaml', imported.stdout);
    await useConfig(ws, service, declared, ['teams/*.yaml']);
    const result = await ws.run(['plan', '--format', 'json'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(result.exitCode, describeRun(result)).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.summary).toEqual({ create: 0, update: 2, rotate: 0, revoke: 0, finish: 0 });
    const actions = plan.providers[0].actions as { action: string; name: string; key_id: string; reasons: string[]; changes: { field: string }[] }[];
    for (const [name, id] of [
      ['Legacy_Reporting', forever.id],
      ['Legacy_Admin', expiring.id],
    ] as const) {
      const action = actions.find((a) => a.name === name);
      expect(action, JSON.stringify(actions)).toMatchObject({ action: 'update', key_id: id });
      expect(action?.changes.map((c) => c.field)).toEqual(['metadata']);
      expect(action?.reasons.join(' ')).toContain('adopts an existing key');
    }
    expect(plan.providers[0].findings.filter((f: { kind: string }) => f.kind === 'unmanaged')).toEqual([]);

    const text = await ws.run(['plan'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(text.stdout).toContain('adopts an existing key');
    expect(text.stdout).toContain('Plan: 0 to create, 2 to update, 0 to rotate, 0 to revoke.');
  });

  it('import --out writes an include-able file', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await service.createKey('Legacy_Reporting', ['READONLY']);
    await useConfig(ws, service);
    const result = await ws.run(['import', '--out', 'teams/legacy.yaml'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stderr).toContain('add it to keys.yaml (include:)');
    const text = await ws.readFile('teams/legacy.yaml');
    ws.secrets.record('teams/legacy.yaml', text);
    await useConfig(ws, service, [], ['teams/*.yaml']);
    const validate = await ws.run(['plan', '--detailed-exitcode'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(validate.exitCode, describeRun(validate)).toBe(2);
    expect(validate.stdout).toContain('Plan: 0 to create, 1 to update, 0 to rotate, 0 to revoke.');
  });
});
