/**
 * `type: keystone` end to end: the real CLI against a real Keystone (Debian's python3-keystone), and every
 * application credential it delivers really authenticated (POST /v3/auth/tokens) to check its roles.
 */
import { describe, expect, it } from 'vitest';
import { expectExit, readSecretsFile, sweepFiles } from './helpers/apply-world.js';
import { useKeystone, useWorkspace, type E2eWorkspace, type KeysYamlKey, type KeystoneServer } from './helpers/index.js';

const SECRETS = 'secrets.json';

function keystoneYaml(ws: E2eWorkspace, keys: KeysYamlKey[], extra: Record<string, unknown> = {}): Promise<string> {
  return ws.writeKeysYaml({ providers: { cloud: { type: 'keystone', ...extra } }, keys });
}

function keyplan(ws: E2eWorkspace, server: KeystoneServer, args: string[], env: Record<string, string> = server.adminEnv()) {
  return ws.run(args, { env });
}

/** The secret delivered for a key (the secrets file's variable is the key name, upper-cased). */
async function secretFor(ws: E2eWorkspace, name: string): Promise<string> {
  const secrets = await readSecretsFile(ws, SECRETS);
  const found = [...secrets.entries()].find(([variable]) => variable === name.toUpperCase().replace(/[^A-Z0-9]/g, '_'));
  expect(found, `secret of ${name} in ${SECRETS} (${[...secrets.keys()].join(', ')})`).toBeDefined();
  return (found as [string, string])[1];
}

async function onlyCredentialOf(server: KeystoneServer, name: string) {
  const credentials = await server.credentialsOf(name);
  expect(credentials, `credentials of ${name}`).toHaveLength(1);
  return credentials[0] as NonNullable<(typeof credentials)[number]>;
}

describe('type: keystone against a real Keystone', () => {
  const keystone = useKeystone();
  const workspace = useWorkspace();

  it('applies credentials that authenticate with exactly their declared roles, plans no changes after, and audits without last use', async () => {
    const ws = workspace();
    const server = keystone();
    ws.watchSecretsOf(server);
    await keystoneYaml(ws, [
      { name: 'reader-app', description: 'Reads the catalog', roles: ['reader'], expires: '30d', owner: 'team-web', consumers: ['site'] },
      { name: 'member-app', description: 'Runs jobs', roles: ['member', 'reader'], expires: 'never', keystone: { unrestricted: false } },
    ]);
    const plan = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('2 to create');
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);

    const reader = await onlyCredentialOf(server, 'reader-app');
    expect(reader.description).toMatch(/^Reads the catalog \[keyplan: .*keyplan-owner=team-web.*\]$/);
    expect(Date.parse(`${reader.expires_at}Z`) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(await server.authenticate(reader.id, await secretFor(ws, 'reader-app'))).toEqual({ status: 201, roles: ['reader'] });
    const member = await onlyCredentialOf(server, 'member-app');
    expect(member.expires_at).toBeNull();
    expect(await server.authenticate(member.id, await secretFor(ws, 'member-app'))).toEqual({ status: 201, roles: ['member', 'reader'] });

    await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    // 200 days on: the 30-day key has expired, but no key is reported stale or never used (Keystone records no use).
    const audit = await expectExit(keyplan(ws, server, ['audit', '--as-of', new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10)]), 2);
    expect(audit.stdout).toContain('unknown (Keystone does not record it)');
    expect(audit.stdout).toMatch(/error +expired +reader-app/);
    expect(audit.stdout).not.toMatch(/never-used|warning +stale|Never/);
    await sweepFiles(ws, [SECRETS]);
  });

  it('rotates a role change: the plan says why, the old credential works through the overlap and fails after it', async () => {
    const ws = workspace();
    const server = keystone();
    ws.watchSecretsOf(server);
    const key = { name: 'jobs', description: 'Runs jobs', roles: ['reader'], rotation: { every: '90d', overlap: '3s' } };
    await keystoneYaml(ws, [key]);
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const old = await onlyCredentialOf(server, 'jobs');
    const oldSecret = await secretFor(ws, 'jobs');

    await keystoneYaml(ws, [{ ...key, roles: ['member'] }]);
    const plan = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('roles cannot change in place on Keystone: rotate');
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const after = await server.credentialsOf('jobs');
    expect(after.map((c) => c.id)).toContain(old.id);
    const replacement = after.find((c) => c.id !== old.id) as NonNullable<(typeof after)[number]>;
    expect(await server.authenticate(replacement.id, await secretFor(ws, 'jobs'))).toEqual({ status: 201, roles: ['member'] });
    // Through the overlap the old one still works, and the plan waits for it.
    expect((await server.authenticate(old.id, oldSecret)).status).toBe(201);
    const waiting = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    expect(waiting.stdout).toMatch(/retir/i);

    // The overlap ends 3 s after the replacement's create: wait for that moment, then the next apply deletes the old one.
    const created = Number(/keyplan-created=(\d+)/.exec(replacement.description ?? '')?.[1]);
    while (Date.now() <= created + 3_000) await new Promise((resolve) => setTimeout(resolve, created + 3_100 - Date.now()));
    const retire = await expectExit(keyplan(ws, server, ['apply', '--auto-approve']), 0);
    expect(retire.stdout).toContain('jobs');
    // Keystone answers a deleted credential with 404 (not found), a wrong secret with 401: either way, no token.
    expect([401, 404]).toContain((await server.authenticate(old.id, oldSecret)).status);
    expect((await server.credentialsOf('jobs')).map((c) => c.id)).toEqual([replacement.id]);
    await sweepFiles(ws, [SECRETS]);
  });

  it('a credential deleted out of band: the plan shows it is created again; import writes YAML for one made by hand', async () => {
    const ws = workspace();
    const server = keystone();
    ws.watchSecretsOf(server);
    await keystoneYaml(ws, [{ name: 'gone', description: 'will vanish', roles: ['reader'] }]);
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    await server.deleteCredential((await onlyCredentialOf(server, 'gone')).id);
    const plan = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toMatch(/\+ create gone/);

    await server.createCredential({ name: 'handmade', description: 'made in Horizon', roles: ['reader'] });
    const imported = await expectExit(keyplan(ws, server, ['import']), 0);
    expect(imported.stdout).toContain('name: handmade');
    expect(imported.stdout).toContain('made in Horizon');
    expect(imported.stdout).toContain('last used unknown (Keystone does not record it)');
    await sweepFiles(ws, [SECRETS]);
  });

  it('names the key and the cause: a role the user does not hold, a wrong password, a restricted credential', async () => {
    const ws = workspace();
    const server = keystone();
    ws.watchSecretsOf(server);
    const limited = await server.createUser('limited-user', ['reader']);
    await keystoneYaml(ws, [{ name: 'wants-admin', roles: ['admin'] }]);
    const notHeld = await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS], server.userEnv('limited-user', limited.password)), 1);
    expect(`${notHeld.stdout}${notHeld.stderr}`).toMatch(/wants-admin/);
    expect(`${notHeld.stdout}${notHeld.stderr}`).toMatch(/admin/);
    expect(notHeld.stderr).not.toMatch(/\n\s+at /);

    const wrong = await expectExit(keyplan(ws, server, ['plan'], { ...server.adminEnv(), OS_PASSWORD: 'not-the-password-at-all' }), 1);
    expect(wrong.stderr).toContain('rejected the credential read from the OS_* environment variables');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);

    const restricted = await server.createCredential({ name: 'restricted-runner', roles: ['member'] });
    const env = { OS_AUTH_URL: server.authUrl, OS_APPLICATION_CREDENTIAL_ID: restricted.id, OS_APPLICATION_CREDENTIAL_SECRET: restricted.secret };
    // A restricted credential's token holds only its own roles (member): the create itself is what Keystone forbids.
    await keystoneYaml(ws, [{ name: 'made-by-restricted', roles: ['member'] }]);
    const forbidden = await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS], env), 1);
    expect(`${forbidden.stdout}${forbidden.stderr}`).toMatch(/made-by-restricted/);
    expect(`${forbidden.stdout}${forbidden.stderr}`).toContain('Only a password or an unrestricted application credential may create or delete application credentials');
  });
});
