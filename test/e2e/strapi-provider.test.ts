/**
 * `type: strapi` end to end: the real CLI against a real Strapi 5.54, and every secret it delivers really
 * used against the content API (GET/POST /api/notes) to check the plan's roles are what Strapi grants.
 */
import { describe, expect, it } from 'vitest';
import { expectExit, readSecretsFile, sweepFiles } from './helpers/apply-world.js';
import { useStrapi, useWorkspace, type E2eWorkspace, type KeysYamlKey, type StrapiServer } from './helpers/index.js';

const TOKEN_ENV = 'KP_STRAPI_TOKEN';
const SECRETS = 'secrets.json';

function strapiYaml(ws: E2eWorkspace, strapi: StrapiServer, keys: KeysYamlKey[], extra: Record<string, unknown> = {}): Promise<string> {
  return ws.writeKeysYaml({ providers: { cms: { type: 'strapi', url: strapi.url, token_env: TOKEN_ENV, ...extra } }, keys });
}

function keyplan(ws: E2eWorkspace, strapi: StrapiServer, args: string[], env: Record<string, string> = {}) {
  return ws.run(args, { env: { [TOKEN_ENV]: strapi.adminToken, ...env } });
}

async function tokenNamed(strapi: StrapiServer, name: string) {
  const token = (await strapi.listTokens()).find((t) => t.name === name);
  expect(token, `Strapi token ${name}`).toBeDefined();
  return token as NonNullable<typeof token>;
}

/** What a secret may do on the content API: [GET /api/notes, POST /api/notes]. */
async function access(strapi: StrapiServer, secret: string): Promise<[number, number]> {
  return [await strapi.useToken(secret), await strapi.useToken(secret, true)];
}

describe('type: strapi against a real Strapi 5.54', () => {
  const strapi = useStrapi();
  const workspace = useWorkspace();

  it('creates read-only, custom and full-access tokens whose secrets grant exactly that, then plans no changes', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    await strapiYaml(ws, server, [
      { name: 'site-reader', description: 'Reads notes for the site', roles: ['read-only'], expires: '7d', owner: 'team-web', consumers: ['site'] },
      { name: 'note-finder', description: 'Lists notes', roles: ['api::note.note.find'], expires: 'never' },
      { name: 'note-writer', description: 'Writes notes', roles: ['full-access'], expires: '90d' },
    ]);
    const plan = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('site-reader');
    expect(plan.stdout).not.toContain('[keyplan:');
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const secrets = await readSecretsFile(ws, SECRETS);
    expect(secrets.size).toBe(3);
    const secretOf = (name: string) => [...secrets.entries()].find(([variable]) => variable.toLowerCase().replace(/_/g, '-') === name)?.[1] as string;

    expect(await access(server, secretOf('site-reader'))).toEqual([200, 403]);
    expect(await access(server, secretOf('note-finder'))).toEqual([200, 403]);
    expect(await access(server, secretOf('note-writer'))).toEqual([200, 201]);

    const reader = await tokenNamed(server, 'site-reader');
    expect(reader).toMatchObject({ type: 'read-only', lifespan: '604800000' });
    expect(reader.description).toMatch(/^Reads notes for the site \[keyplan: .*keyplan-owner=team-web.*\]$/);
    expect(await tokenNamed(server, 'note-finder')).toMatchObject({ type: 'custom', permissions: ['api::note.note.find'], lifespan: null });

    await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    await sweepFiles(ws, [SECRETS]);
  });

  it('edits in place (rename, description, custom to read-only with its permissions emptied), and the secret keeps working', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    await strapiYaml(ws, server, [{ name: 'editor-a', description: 'first', roles: ['api::note.note.find', 'api::note.note.create'] }]);
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const [secret] = [...(await readSecretsFile(ws, SECRETS)).values()] as [string];
    expect(await access(server, secret)).toEqual([200, 201]);

    await strapiYaml(ws, server, [{ name: 'editor-b', renamed_from: ['editor-a'], description: 'second', roles: ['read-only'] }]);
    const plan = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('~ update editor-b');
    expect(plan.stdout).toContain('0 to create, 1 to update, 0 to rotate, 0 to revoke');
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve']), 0);

    const token = await tokenNamed(server, 'editor-b');
    expect(token).toMatchObject({ type: 'read-only', permissions: [] });
    expect(token.description.startsWith('second [keyplan: ')).toBe(true);
    expect(await access(server, secret)).toEqual([200, 403]);
    await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 0);
    await sweepFiles(ws, [SECRETS]);
  });

  it('rotates on an expiry change (Strapi cannot edit one): rename aside, create, deliver, then delete the old token', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    await strapiYaml(ws, server, [{ name: 'rotating', roles: ['read-only'], expires: '7d' }]);
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const first = [...(await readSecretsFile(ws, SECRETS)).values()][0] as string;
    const old = await tokenNamed(server, 'rotating');

    await strapiYaml(ws, server, [{ name: 'rotating', roles: ['read-only'], expires: '30d' }]);
    const plan = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toMatch(/rotate/i);
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const second = [...(await readSecretsFile(ws, SECRETS)).values()][0] as string;
    expect(second).not.toBe(first);

    const fresh = await tokenNamed(server, 'rotating');
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.lifespan).toBe('2592000000');
    expect((await server.listTokens()).some((t) => t.id === old.id)).toBe(false);
    expect(await server.useToken(first)).toBe(401);
    expect(await server.useToken(second)).toBe(200);
    await sweepFiles(ws, [SECRETS]);
  });

  it('recovers a create whose answer was lost: finds the token by name and its create tag, re-issues its secret, makes no duplicate', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    let dropped = 0;
    const proxy = await ws.startFaultProxy(server.url, (_n, req) => {
      if (req.method === 'POST' && req.url === '/admin/api-tokens' && dropped === 0) {
        dropped += 1;
        return { kind: 'drop-response' };
      }
      return undefined;
    });
    await ws.writeKeysYaml({ providers: { cms: { type: 'strapi', url: proxy.url, token_env: TOKEN_ENV } }, keys: [{ name: 'lost-answer', roles: ['read-only'] }] });
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    expect(proxy.log).toContain('POST /admin/api-tokens -> 201 dropped (injected)');
    expect(proxy.log.some((line) => /^POST \/admin\/api-tokens\/\d+\/regenerate -> 201$/.test(line))).toBe(true);
    const secret = [...(await readSecretsFile(ws, SECRETS)).values()][0] as string;
    expect(await server.useToken(secret)).toBe(200);
    expect((await server.listTokens()).filter((t) => t.name === 'lost-answer')).toHaveLength(1);
    await sweepFiles(ws, [SECRETS]);
  });

  it('refuses what Strapi cannot do in the plan: an expiry outside its presets, an unknown action', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    await strapiYaml(ws, server, [
      { name: 'odd-expiry', roles: ['read-only'], expires: '14d' },
      { name: 'odd-action', roles: ['api::note.note.fly'] },
    ]);
    const plan = await expectExit(keyplan(ws, server, ['plan']), 1);
    expect(plan.stdout + plan.stderr).toContain('7d, 30d, 90d, never');
    expect(plan.stdout + plan.stderr).toMatch(/unknown role api::note\.note\.fly; the provider offers .*api::note\.note\.find/);
    expect((await server.listTokens()).map((t) => t.name)).not.toContain('odd-expiry');
  });

  it('revokes a key no longer declared (its secret then gets 401), and never touches unmanaged or default tokens', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    const stranger = await server.createToken({ name: 'made-by-hand', type: 'read-only' });
    await strapiYaml(ws, server, [{ name: 'short-lived', roles: ['read-only'] }]);
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--secrets-out', SECRETS]), 0);
    const secret = [...(await readSecretsFile(ws, SECRETS)).values()][0] as string;
    expect(await server.useToken(secret)).toBe(200);

    await strapiYaml(ws, server, []);
    const plan = await expectExit(keyplan(ws, server, ['plan', '--detailed-exitcode', '--secrets-out', SECRETS]), 2);
    expect(plan.stdout).toContain('short-lived');
    expect(plan.stdout).not.toMatch(/revoke[^\n]*made-by-hand/);
    await expectExit(keyplan(ws, server, ['apply', '--auto-approve', '--allow-in-use']), 0);
    expect(await server.useToken(secret)).toBe(401);
    const names = (await server.listTokens()).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['Read Only', 'Full Access', 'made-by-hand']));
    expect(names).not.toContain('short-lived');

    const audit = await keyplan(ws, server, ['audit', '--format', 'json']);
    expect(audit.stdout).toContain('made-by-hand');
    expect(audit.stdout).toContain('unmanaged');
    expect(await server.useToken(stranger.accessKey)).toBe(200);
    await server.deleteToken(stranger.id);
    await sweepFiles(ws, [SECRETS]);
  });

  it('lists roles and imports existing tokens as adoptable YAML', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    await strapiYaml(ws, server, []);
    const roles = await expectExit(keyplan(ws, server, ['roles']), 0);
    for (const role of ['read-only', 'full-access', 'api::note.note.find', 'api::note.note.create']) expect(roles.stdout).toContain(role);
    const imported = await expectExit(keyplan(ws, server, ['import']), 0);
    expect(imported.stdout).toContain('Full Access');
  });

  it('logs in with an admin email and password instead of a token, and says how long to wait when Strapi limits logins', async () => {
    const ws = workspace();
    const server = strapi();
    ws.watchSecretsOf(server);
    await strapiYaml(ws, server, [], { token_env: undefined, email_env: 'KP_STRAPI_EMAIL', password_env: 'KP_STRAPI_PASSWORD' });
    await expectExit(ws.run(['plan'], { env: { KP_STRAPI_EMAIL: server.adminEmail, KP_STRAPI_PASSWORD: server.adminPassword } }), 0);

    const stranger = { KP_STRAPI_EMAIL: 'nobody@example.com', KP_STRAPI_PASSWORD: 'Wrong-password-1234' };
    const wrong = await expectExit(ws.run(['plan'], { env: stranger }), 1);
    expect(wrong.stderr).toContain('refused the login of nobody@example.com');
    let limited = wrong;
    for (let attempt = 0; attempt < 6 && !limited.stderr.includes('too many logins'); attempt++) limited = await ws.run(['plan'], { env: stranger });
    expect(limited.exitCode).toBe(1);
    expect(limited.stderr).toMatch(/too many logins \(Strapi allows 5 per 5 minutes.*\); try again in \d+ s/);
  });
});
