import { describe, expect, it } from 'vitest';
import { describeRun } from './helpers/cli.js';
import type { KeyService } from './helpers/key-service.js';
import { httpProvider, type KeysYamlKey } from './helpers/keys-yaml.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const TOKEN_ENV = 'KP_E2E_TOKEN';
const MANAGED = { 'managed-by': 'keyplan' };

interface JsonAction {
  action: string;
  name: string;
  key_id: string | null;
  reasons: string[];
  warnings: { kind: string; message: string; gate: string | null }[];
  changes?: { field: string; before: unknown; after: unknown }[];
  role_change?: { roles_added: string[]; permissions_added: string[]; escalation: boolean } | null;
}

async function planJson(ws: E2eWorkspace, service: KeyService, keys: KeysYamlKey[], token = service.adminKey) {
  await ws.writeKeysYaml({ providers: { prod: httpProvider(service.url, TOKEN_ENV) }, keys });
  // The keys have no deliver: targets; a create's secret needs somewhere to go, so plan is told apply's --secrets-out.
  const result = await ws.run(['plan', '--format', 'json', '--secrets-out', 'out.env'], { env: { [TOKEN_ENV]: token } });
  expect(result.exitCode, describeRun(result)).toBe(0);
  const plan = JSON.parse(result.stdout);
  const [provider] = plan.providers;
  const byName = (name: string): JsonAction => {
    const found = (provider.actions as JsonAction[]).filter((a) => a.name === name);
    expect(found, `actions for ${name}: ${JSON.stringify(provider.actions)}`).toHaveLength(1);
    return found[0] as JsonAction;
  };
  return { plan, provider, byName };
}

describe('keyplan plan against a real keyplan serve (http provider)', () => {
  const workspace = useWorkspace();

  it('plans an update, field by field, for a managed key whose declared description changed', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const key = await service.createKey('Billing_Reader', ['READONLY'], { description: 'old words', metadata: MANAGED });
    const { plan, byName } = await planJson(ws, service, [{ name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'] }]);
    expect(plan.summary).toEqual({ create: 0, update: 1, rotate: 0, revoke: 0, finish: 0 });
    const update = byName('Billing_Reader');
    expect(update).toMatchObject({ action: 'update', key_id: key.id, role_change: null });
    expect(update.changes).toEqual([{ field: 'description', before: 'old words', after: 'Reads invoices' }]);

    const text = await ws.run(['plan'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(text.exitCode, describeRun(text)).toBe(0);
    expect(text.stdout).toContain(`Provider prod (${service.url}):`);
    expect(text.stdout).toContain(`~ update Billing_Reader (${key.id})`);
    expect(text.stdout).toContain('~ description: "old words" → "Reads invoices"');
    expect(text.stdout).toContain('Plan: 0 to create, 1 to update, 0 to rotate, 0 to revoke.');
  });

  it('flags a role change from READONLY to ADMIN as a privilege escalation', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await service.createKey('Search_Indexer', ['READONLY'], { description: 'Indexes', metadata: MANAGED });
    const { byName } = await planJson(ws, service, [{ name: 'Search_Indexer', description: 'Indexes', roles: ['ADMIN'] }]);
    const update = byName('Search_Indexer');
    expect(update.action).toBe('update');
    expect(update.changes).toEqual([{ field: 'roles', before: ['READONLY'], after: ['ADMIN'] }]);
    expect(update.role_change).toMatchObject({ roles_added: ['ADMIN'], escalation: true });
    expect(update.role_change?.permissions_added).toContain('*');
    expect(update.warnings).toEqual([expect.objectContaining({ kind: 'privilege-escalation', gate: null })]);

    const text = await ws.run(['plan'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(text.stdout).toContain('~ roles: [READONLY] → [ADMIN]');
    expect(text.stdout).toContain('! Search_Indexer gains permissions: *');
  });

  it('revokes a managed key no longer declared, with a dependency warning when it was used recently', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const used = await service.createKey('Old_Exporter', ['READONLY'], { metadata: MANAGED });
    const bearerUsed = await service.createKey('Old_Importer', ['READONLY'], { metadata: MANAGED });
    await service.useKey(used.secret);
    // A key's own token counts as a use too (any authenticated request).
    const whoami = await service.call('GET', '/v1/whoami', { token: bearerUsed.secret });
    expect(whoami.status).toBe(200);
    const neverUsed = await service.createKey('Old_Archiver', ['READONLY'], { metadata: MANAGED });

    const { plan, byName } = await planJson(ws, service, []);
    expect(plan.summary).toEqual({ create: 0, update: 0, rotate: 0, revoke: 3, finish: 0 });
    for (const { name, id } of [used, bearerUsed]) {
      const revoke = byName(name);
      expect(revoke).toMatchObject({ action: 'revoke', key_id: id, reasons: ['managed by keyplan and no longer declared'] });
      expect(revoke.warnings).toEqual([expect.objectContaining({ kind: 'in-use', gate: 'allow-in-use' })]);
      expect(revoke.warnings[0]?.message).toMatch(/last used .*ago, within in_use_window \(7 days\)/);
    }
    expect(byName('Old_Archiver').warnings).toEqual([expect.objectContaining({ kind: 'never-used', gate: null })]);
    expect(byName('Old_Archiver').key_id).toBe(neverUsed.id);

    const text = await ws.run(['plan', '--detailed-exitcode'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(text.exitCode, describeRun(text)).toBe(2);
    expect(text.stdout).toContain(`- revoke Old_Exporter (${used.id})`);
    expect(text.stdout).toMatch(/! Old_Exporter .* within in_use_window \(7 days\) \[needs --allow-in-use\]/);
  });

  it('reports an unmanaged, undeclared key as a finding and plans nothing for it', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const stranger = await service.createKey('Handmade_Key', ['READONLY'], { description: 'made by hand' });
    const { plan, provider } = await planJson(ws, service, []);
    expect(plan.has_changes).toBe(false);
    expect(provider.actions).toEqual([]);
    expect(provider.findings).toContainEqual(expect.objectContaining({ kind: 'unmanaged', key_id: stranger.id, name: 'Handmade_Key' }));

    const text = await ws.run(['plan', '--detailed-exitcode'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(text.exitCode, describeRun(text)).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`warning unmanaged +Handmade_Key \\(${stranger.id}\\)`));
    expect(text.stdout).toContain('No changes. The key service matches keys.yaml.');
  });

  it('plans a create for a declared key that was revoked out of band', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const declared: KeysYamlKey = { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'] };
    const key = await service.createKey('Billing_Reader', ['READONLY'], { description: 'Reads invoices', metadata: MANAGED });
    const before = await planJson(ws, service, [declared]);
    expect(before.plan.has_changes).toBe(false);

    await service.revokeKey(key.id);
    const after = await planJson(ws, service, [declared]);
    expect(after.plan.summary).toEqual({ create: 1, update: 0, rotate: 0, revoke: 0, finish: 0 });
    expect(after.byName('Billing_Reader')).toMatchObject({ action: 'create', key_id: null });
  });

  it('reads every page of a store larger than one page (1000 keys)', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const total = 1005;
    for (let start = 0; start < total; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, total - start) }, (_, i) => service.createKey(`Bulk_${String(start + i).padStart(4, '0')}`, ['READONLY'], { metadata: MANAGED })),
      );
    }
    // Only the last key (on the second page) is not declared: exactly one revoke proves both pages were read.
    const keys = Array.from({ length: total - 1 }, (_, i) => ({ name: `Bulk_${String(i).padStart(4, '0')}`, roles: ['READONLY'] }));
    const { plan, provider } = await planJson(ws, service, keys);
    expect(plan.summary).toEqual({ create: 0, update: 0, rotate: 0, revoke: 1, finish: 0 });
    expect(provider.actions[0]).toMatchObject({ action: 'revoke', name: 'Bulk_1004' });
    expect(provider.managed_keys).toBe(total);
  });
});
