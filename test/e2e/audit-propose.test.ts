import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, MANAGED, createKey, runCli, startServe, useKey } from './audit-harness.js';

let dir: string;
let server: Awaited<ReturnType<typeof startServe>>;

const KEYS_YAML = `# yaml-language-server: $schema=./schema/keys.schema.json
# Keys of the payments team.
version: 1
providers:
  svc:
    type: http
    url: URL
    token_env: AUDIT_TOKEN
policy:
  require_expiry_for: [ADMIN]   # admins must expire
keys:
  # Reads invoices for the dashboard.
  - name: Billing_Reader
    description: "Reads invoices"
    roles: [READONLY]
  - name: Idle_Reader # nobody ever used it
    description: Nobody uses this
    roles: [READONLY]
  # Deploys; must survive any cleanup.
  - name: Deployer
    description: Deploys
    roles: [READONLY]
    prevent_revoke: true
  # Operations admin, written before the expiry policy.
  - name: Ops_Admin
    description: Operations
    roles: [ADMIN]
  - name: Fresh_Reader
    description: Used daily${'   '}
    roles: [READONLY]
  - { name: Flow_Key, description: "written as a flow map", roles: [READONLY], expires: 30d }${'  '}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-propose-e2e-'));
  server = await startServe(join(dir, 'keys.db'));
  await writeFile(join(dir, 'keys.yaml'), KEYS_YAML.replace('URL', server.url));
  const billing = await createKey(server.url, { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], metadata: MANAGED });
  await createKey(server.url, { name: 'Idle_Reader', description: 'Nobody uses this', roles: ['READONLY'], metadata: MANAGED });
  const deployer = await createKey(server.url, { name: 'Deployer', description: 'Deploys', roles: ['READONLY'], metadata: { ...MANAGED, 'keyplan-prevent-revoke': 'true' } });
  await useKey(server.url, billing.secret);
  await useKey(server.url, deployer.secret);
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, dir, { AUDIT_TOKEN: ADMIN });

describe('keyplan audit --propose', () => {
  it('adds the expiry policy requires, removes stale and never-used keys, leaves every other byte as written, and the file still validates', async () => {
    // Before: the config does not even load, for lack of the expiry.
    const before = await cli('audit');
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('Ops_Admin');

    const proposed = await cli('audit', '--propose', '--as-of', '+100d');
    expect(proposed.code, proposed.stderr).toBe(0);
    expect(proposed.stdout).toContain('keys.yaml:25: added expires: 90d Ops_Admin (policy.require_expiry_for: ADMIN must expire)');
    expect(proposed.stdout).toMatch(/keys\.yaml:13: removed Billing_Reader \(stale: last used 3 months ago/);
    expect(proposed.stdout).toMatch(/keys\.yaml:16: removed Idle_Reader \(never-used: never used since it was created 3 months ago\)/);
    expect(proposed.stdout).toMatch(/Left alone:\n {2}keys\.yaml:20: Deployer: stale, but prevent_revoke is set/);

    const text = await readFile(join(dir, 'keys.yaml'), 'utf8');
    expect(text).toBe(
      KEYS_YAML.replace('URL', server.url)
        .replace('  # Reads invoices for the dashboard.\n  - name: Billing_Reader\n    description: "Reads invoices"\n    roles: [READONLY]\n', '')
        .replace('  - name: Idle_Reader # nobody ever used it\n    description: Nobody uses this\n    roles: [READONLY]\n', '')
        .replace('    roles: [ADMIN]\n', '    roles: [ADMIN]\n    expires: 90d\n'),
    );
    // Everything not edited is byte for byte as written: the padded comment, trailing spaces, the flow map.
    expect(text).toContain('require_expiry_for: [ADMIN]   # admins must expire\n');
    expect(text).toContain('    description: Used daily   \n');
    expect(text).toContain('  - { name: Flow_Key, description: "written as a flow map", roles: [READONLY], expires: 30d }  \n');

    const validate = await cli('validate');
    expect(validate.code, validate.stderr).toBe(0);
  });

  it('audits again: the removed keys are no longer declared, managed ones the next apply revokes; nothing left to propose', async () => {
    const again = await cli('audit', '--as-of', '+100d', '--format', 'json');
    const json = JSON.parse(again.stdout) as { keys: { name: string; declared: boolean; managed: boolean; findings: { kind: string }[] }[] };
    const byName = Object.fromEntries(json.keys.map((k) => [k.name, k]));
    expect(byName.Billing_Reader).toMatchObject({ declared: false, managed: true });
    expect(byName.Idle_Reader).toMatchObject({ declared: false, managed: true });
    expect(byName.Deployer).toMatchObject({ declared: true });
    expect(byName.Billing_Reader?.findings.map((f) => f.kind)).not.toContain('unmanaged');

    const plan = await cli('plan', '--format', 'json');
    const actions = (JSON.parse(plan.stdout) as { providers: { actions: { action: string; name: string }[] }[] }).providers[0]?.actions ?? [];
    expect(actions.filter((a) => a.action === 'revoke').map((a) => a.name).sort()).toEqual(['Billing_Reader', 'Idle_Reader']);

    const second = await cli('audit', '--propose', '--as-of', '+100d');
    expect(second.stdout).toContain('No changes proposed');
  });
});
