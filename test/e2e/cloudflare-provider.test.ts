/**
 * `type: cloudflare` end to end: the real CLI against the stateful Cloudflare stand-in, which checks every
 * request and answer against Cloudflare's OpenAPI description; every delivered value is used as a consumer
 * would (which records last use), and every output is scanned for every value the stand-in handed out.
 */
import { describe, expect, it } from 'vitest';
import { expectExit, readSecretsFile, sweepFiles } from './helpers/apply-world.js';
import { CLOUDFLARE_ACCOUNT, CloudflareStandIn, useStandIn, useWorkspace, type E2eWorkspace, type KeysYamlKey } from './helpers/index.js';
import { parse } from 'yaml';
import { readmeBlock } from './helpers/readme.js';
import { splitNameTag } from '../../src/providers/cloudflare/name-tag.js';

const SECRETS = 'secrets.json';

function cloudflareYaml(ws: E2eWorkspace, cf: CloudflareStandIn, keys: KeysYamlKey[], extra: Record<string, unknown> = {}): Promise<string> {
  return ws.writeKeysYaml({ ownership: 'acme/edge', providers: { cf: { type: 'cloudflare', api_url: cf.url, ...extra } }, keys });
}

function keyplan(ws: E2eWorkspace, cf: CloudflareStandIn, args: string[], token = cf.userAdmin.value) {
  return ws.run(args, { env: { CLOUDFLARE_API_TOKEN: token } });
}

function tokenNamed(cf: CloudflareStandIn, name: string, owner = 'user') {
  const token = cf.ownedBy(owner).find((t) => splitNameTag(t.name).name === name);
  expect(token, `Cloudflare token ${name}`).toBeDefined();
  return token as NonNullable<typeof token>;
}

async function secretOf(ws: E2eWorkspace, name: string): Promise<string> {
  const secrets = await readSecretsFile(ws, SECRETS);
  const found = [...secrets.entries()].find(([variable]) => variable.toLowerCase().replace(/_/g, '-') === name.toLowerCase());
  expect(found, `a secret for ${name} in ${SECRETS}`).toBeDefined();
  return (found as [string, string])[1];
}

describe('type: cloudflare against the description-checked stand-in', () => {
  const workspace = useWorkspace();
  const cloudflare = useStandIn(() => CloudflareStandIn.start());

  it('creates user tokens with the permission groups named in roles, on every zone and account, then plans no changes', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    await cloudflareYaml(ws, cf, [
      { name: 'dns-bot', description: 'Writes DNS records', roles: ['DNS Write', 'Zone Read'], expires: '30d', owner: 'team-edge', consumers: ['certbot'] },
      { name: 'deployer', roles: ['Workers Scripts Write'], expires: 'never' },
    ]);
    const plan = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('dns-bot');
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(cf.use(await secretOf(ws, 'dns-bot'))).toBe(true);
    expect(cf.use(await secretOf(ws, 'deployer'))).toBe(true);

    const dns = tokenNamed(cf, 'dns-bot');
    expect(dns.name).toMatch(/^dns-bot \[kp:c=certbot;d=Writes DNS records;(?:i=[0-9a-f]{10};)?m;o=acme\/edge;w=team-edge\]$/);
    expect(dns.policies).toEqual([expect.objectContaining({ effect: 'allow', resources: { 'com.cloudflare.api.account.zone.*': '*' } })]);
    expect(dns.policies[0]?.permission_groups.map((g) => g.name).sort()).toEqual(['DNS Write', 'Zone Read']);
    expect(Date.parse(dns.expires_on ?? '') - Date.parse(dns.issued_on)).toBeGreaterThan(29 * 86_400_000);
    expect(tokenNamed(cf, 'deployer').policies[0]?.resources).toEqual({ 'com.cloudflare.api.account.*': '*' });
    expect(tokenNamed(cf, 'deployer').expires_on).toBeUndefined();

    const again = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    expect(again.stdout).not.toContain('[kp:');
    await sweepFiles(ws, [SECRETS]);
  });

  it('manages account-owned tokens with account_id: resources nest under the account, the account token verifies itself', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    await cloudflareYaml(ws, cf, [{ name: 'acct-dns', roles: ['DNS Read', 'Workers Scripts Read'] }], { account_id: CLOUDFLARE_ACCOUNT });
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS], cf.accountAdmin.value), 0);
    const token = tokenNamed(cf, 'acct-dns', CLOUDFLARE_ACCOUNT);
    expect(token.policies.map((p) => p.resources)).toEqual([
      { [`com.cloudflare.api.account.${CLOUDFLARE_ACCOUNT}`]: { 'com.cloudflare.api.account.zone.*': '*' } },
      { [`com.cloudflare.api.account.${CLOUDFLARE_ACCOUNT}`]: '*' },
    ]);
    expect(cf.ownedBy('user').map((t) => t.name)).not.toContain(token.name);
    expect(cf.requests.some((line) => line.startsWith(`GET /client/v4/accounts/${CLOUDFLARE_ACCOUNT}/tokens/verify -> 200`))).toBe(true);
    await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode'], cf.accountAdmin.value), 0);
    await sweepFiles(ws, [SECRETS]);
  });

  it('edits in place what Cloudflare edits (rename, roles with the permission delta, description); the value keeps working', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    await cloudflareYaml(ws, cf, [{ name: 'zone-reader', description: 'reads', roles: ['Zone Read'] }]);
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const secret = await secretOf(ws, 'zone-reader');
    const id = tokenNamed(cf, 'zone-reader').id;

    await cloudflareYaml(ws, cf, [{ name: 'dns-editor', renamed_from: ['zone-reader'], description: 'edits DNS', roles: ['Zone Read', 'DNS Write'] }]);
    const plan = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode']), 2);
    expect(plan.stdout).toContain('~ update dns-editor');
    expect(plan.stdout).toContain('DNS Write');
    expect(plan.stdout).toMatch(/gains permissions: DNS Write on zone/);
    expect(plan.stdout).toContain('0 to create, 1 to update, 0 to rotate, 0 to revoke');
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve']), 0);
    const token = tokenNamed(cf, 'dns-editor');
    expect(token.id).toBe(id);
    expect(splitNameTag(token.name).description).toBe('edits DNS');
    expect(token.policies[0]?.permission_groups.map((g) => g.name).sort()).toEqual(['DNS Write', 'Zone Read']);
    expect(cf.use(secret)).toBe(true);
    await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode']), 0);
    await sweepFiles(ws, [SECRETS]);
  });

  it('rotates with overlap by creating a new token (never rolling the old value): the old one is renamed aside and keeps working', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    await cloudflareYaml(ws, cf, [{ name: 'rot', roles: ['Zone Read'], expires: '30d', rotation: { every: '365d', overlap: '1d' } }]);
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const first = await secretOf(ws, 'rot');
    const old = tokenNamed(cf, 'rot');

    await cloudflareYaml(ws, cf, [{ name: 'rot', roles: ['Zone Read'], expires: '60d', rotation: { every: '365d', overlap: '1d' } }]);
    const plan = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toMatch(/rotate/i);
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const second = await secretOf(ws, 'rot');
    expect(second).not.toBe(first);
    expect(tokenNamed(cf, 'rot').id).not.toBe(old.id);
    const retiring = cf.tokens.get(old.id);
    expect(retiring && splitNameTag(retiring.name).name).toMatch(/^rot\.retiring-/);
    expect(cf.use(first)).toBe(true);
    expect(cf.use(second)).toBe(true);
    expect(cf.requests.some((line) => line.includes('/value -> '))).toBe(false);
    await sweepFiles(ws, [SECRETS]);
  });

  it('plans around a token deleted out of band, revokes one no longer declared, and never touches unmanaged tokens', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    const stranger = cf.seed({ name: 'made-by-hand', roles: ['DNS Read'] });
    await cloudflareYaml(ws, cf, [{ name: 'gone', roles: ['Zone Read'] }, { name: 'dropped', roles: ['Zone Read'] }]);
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const dropped = await secretOf(ws, 'dropped');
    cf.deleteToken(tokenNamed(cf, 'gone').id);

    await cloudflareYaml(ws, cf, [{ name: 'gone', roles: ['Zone Read'] }]);
    const plan = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('1 to create, 0 to update, 0 to rotate, 1 to revoke');
    expect(plan.stdout).not.toMatch(/revoke[^\n]*made-by-hand/);
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(cf.use(dropped)).toBe(false);
    expect(cf.tokens.has(stranger.id)).toBe(true);
    expect(cf.use(stranger.value)).toBe(true);
    await sweepFiles(ws, [SECRETS]);
  });

  it('audits with last use from last_used_on, imports tokens made by hand, and lists permission groups with their scopes as roles', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    cf.seed({ name: 'legacy-ci', roles: ['Workers Scripts Write'] });
    await cloudflareYaml(ws, cf, [{ name: 'used', roles: ['Zone Read'] }, { name: 'idle', roles: ['Zone Read'] }]);
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(cf.use(await secretOf(ws, 'used'))).toBe(true);

    const audit = await keyplan(ws, cf, ['audit', '--format', 'json']);
    const report = JSON.parse(audit.stdout) as { keys: { name: string; last_used_at: string | null; findings: { kind: string }[] }[] };
    const byName = new Map(report.keys.map((key) => [key.name, key]));
    expect(byName.get('legacy-ci')?.findings.map((f) => f.kind)).toContain('unmanaged');
    expect(Date.parse(byName.get('used')?.last_used_at ?? '')).toBe(Date.parse(tokenNamed(cf, 'used').last_used_on ?? 'missing'));
    expect(byName.get('idle')?.last_used_at).toBeNull();

    const imported = await expectExit(keyplan(ws, cf, ['import']), 0);
    expect(imported.stdout).toContain('legacy-ci');
    expect(imported.stdout).toContain('Workers Scripts Write');
    const roles = await expectExit(keyplan(ws, cf, ['roles']), 0);
    for (const role of ['DNS Write', 'Zone Read', 'Load Balancers Read (account)', 'Load Balancers Read (zone)']) expect(roles.stdout).toContain(role);
    await sweepFiles(ws, [SECRETS]);
  });

  it('honours cloudflare: {resources, condition} on a key: zones, accounts and request_ip reach the stored token, and a change is edited in place', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    const zone = 'a'.repeat(32);
    const account = 'b'.repeat(32);
    const condition = { request_ip: { in: ['203.0.113.0/24', '2001:db8::/32'], not_in: ['203.0.113.7/32'] } };
    const pinned = { name: 'pinned', roles: ['DNS Write', 'Workers Scripts Read'], rotation: { every: '365d', overlap: '1d' }, cloudflare: { resources: { zones: [zone] }, condition } };
    await cloudflareYaml(ws, cf, [pinned, { name: 'by-account', roles: ['Zone Read', 'Workers Scripts Read'], cloudflare: { resources: { accounts: [account] } } }]);
    const plan = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain(`cloudflare:  {"resources":{"zones":["${zone}"]},"condition":${JSON.stringify(condition)}}`);
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);

    const token = tokenNamed(cf, 'pinned');
    expect(token.condition).toEqual(condition);
    expect(token.policies.map((p) => p.resources)).toEqual([{ [`com.cloudflare.api.account.zone.${zone}`]: '*' }, { 'com.cloudflare.api.account.*': '*' }]);
    expect(tokenNamed(cf, 'by-account').policies.map((p) => p.resources)).toEqual([
      { [`com.cloudflare.api.account.${account}`]: { 'com.cloudflare.api.account.zone.*': '*' } },
      { [`com.cloudflare.api.account.${account}`]: '*' },
    ]);
    expect(tokenNamed(cf, 'by-account').condition).toBeUndefined();
    await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);

    // Cloudflare edits resources and condition in place (PUT …/tokens/{id}): the same token, the value keeps working.
    const secret = await secretOf(ws, 'pinned');
    const other = 'c'.repeat(32);
    const wider = { request_ip: { in: ['198.51.100.0/24'] } };
    await cloudflareYaml(ws, cf, [{ ...pinned, cloudflare: { resources: { zones: [zone, other] }, condition: wider } }]);
    const change = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(change.stdout).toContain('~ update pinned');
    expect(change.stdout).toContain(`cloudflare.condition changed (${JSON.stringify(condition)} → ${JSON.stringify(wider)}): edited in place, the secret is kept`);
    expect(change.stdout).toContain(`cloudflare.resources changed ({"zones":["${zone}"]} → {"zones":["${zone}","${other}"]})`);
    expect(change.stdout).toContain('0 to create, 1 to update, 0 to rotate, 1 to revoke');
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(tokenNamed(cf, 'pinned').id).toBe(token.id);
    expect(tokenNamed(cf, 'pinned').condition).toEqual(wider);
    expect(tokenNamed(cf, 'pinned').policies.map((p) => p.resources)[0]).toEqual({ [`com.cloudflare.api.account.zone.${zone}`]: '*', [`com.cloudflare.api.account.zone.${other}`]: '*' });
    expect(cf.use(secret)).toBe(true);
    await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    await sweepFiles(ws, [SECRETS]);
  });

  it('refuses a bad cloudflare: key field, or one on a key of another provider type, with its file:line:column', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    await cloudflareYaml(ws, cf, [{ name: 'bad-ip', roles: ['Zone Read'], cloudflare: { condition: { request_ip: { in: ['not an ip'] } } } }]);
    const bad = await expectExit(keyplan(ws, cf, ['plan']), 1);
    expect(bad.stderr).toMatch(/^Error: keys\.yaml:\d+:\d+: .*request_ip/);
    await cloudflareYaml(ws, cf, [{ name: 'wrong-type', roles: ['Zone Read'], gitlab: { access_level: 'developer' } }]);
    const wrong = await expectExit(keyplan(ws, cf, ['plan']), 1);
    expect(wrong.stdout + wrong.stderr).toMatch(/keys\.yaml:\d+:\d+: .*has a `gitlab:` field, but its provider `cf` is of type cloudflare/);
    expect(cf.requests).toEqual([]);
  });

  it("the README's keys.yaml example works as written (pointed at the stand-in): creates, delivers, then plans no changes", async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    const example = parse(await readmeBlock('# keys.yaml (Cloudflare)')) as { providers: { cf: Record<string, unknown> } };
    Object.assign(example.providers.cf, { api_url: cf.url, account_id: CLOUDFLARE_ACCOUNT });
    await ws.writeFile('keys.yaml', JSON.stringify(example));
    const plan = await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode'], cf.accountAdmin.value), 2);
    expect(plan.stdout).toContain('Plan: 2 to create, 0 to update, 0 to rotate, 0 to revoke.');
    await expectExit(keyplan(ws, cf, ['apply', '--auto-approve'], cf.accountAdmin.value), 0);
    expect(cf.use((await readSecretsFile(ws, '.keyplan/certbot.env')).get('CLOUDFLARE_API_TOKEN') ?? '')).toBe(true);
    expect(cf.use((await readSecretsFile(ws, '.keyplan/deploy.env')).get('CLOUDFLARE_API_TOKEN') ?? '')).toBe(true);
    expect(tokenNamed(cf, 'dns-bot', CLOUDFLARE_ACCOUNT).condition).toEqual({ request_ip: { in: ['203.0.113.0/24'], not_in: ['203.0.113.7/32'] } });
    await expectExit(keyplan(ws, cf, ['plan', '--detailed-exitcode'], cf.accountAdmin.value), 0);
    await sweepFiles(ws, ['.keyplan/certbot.env', '.keyplan/deploy.env']);
  });

  it('never rotates away the token keyplan runs with (found with GET /user/tokens/verify)', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    await cloudflareYaml(ws, cf, [{ name: 'keyplan-admin', roles: ['API Tokens Write'], expires: '30d' }], {});
    const plan = await keyplan(ws, cf, ['plan']);
    expect(plan.exitCode).toBe(1);
    expect(plan.stdout + plan.stderr).toContain('is the key keyplan authenticates with (the token in CLOUDFLARE_API_TOKEN)');
    expect(cf.tokens.has(cf.userAdmin.id)).toBe(true);
  });

  it('turns rate limits and Cloudflare error envelopes into one clear line each', async () => {
    const ws = workspace();
    const cf = cloudflare();
    ws.watchSecretsOf(cf);
    await cloudflareYaml(ws, cf, [{ name: 'limited', roles: ['Zone Read'] }]);
    cf.failNext((r) => r.method === 'GET' && r.path === '/user/tokens', { status: 429, headers: { 'retry-after': '0' }, body: { success: false, errors: [{ code: 10000, message: 'Rate limited' }], messages: [], result: null } }, 10);
    const limited = await expectExit(keyplan(ws, cf, ['plan']), 1);
    expect(limited.stderr).toMatch(/Cloudflare is rate limiting requests \(gave up after \d+ attempts; it asks to wait 0 s\)/);
    expect(limited.stderr).not.toMatch(/\n\s+at /);

    const weak = cf.seed({ name: 'weak', roles: ['Zone Read'] });
    const refused = await expectExit(keyplan(ws, cf, ['plan'], weak.value), 1);
    expect(refused.stderr).toContain('lacks a permission; it needs the permission group API Tokens Write (and Read): 9109 Unauthorized to access requested resource');

    await cloudflareYaml(ws, cf, [{ name: 'typo', roles: ['DNS Wrte'] }]);
    const typo = await expectExit(keyplan(ws, cf, ['plan']), 1);
    expect(typo.stdout + typo.stderr).toMatch(/unknown role DNS Wrte/);
  });
});
