import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser, type BrowserPage } from './helpers/browser.js';
import { formCall, setCookies } from './helpers/http-call.js';
import type { CreatedApiKey, KeyService } from './helpers/key-service.js';
import { E2eWorkspace } from './helpers/workspace.js';

const ROLES = `roles:
  ADMIN: { description: Everything, permissions: ["*"] }
  READONLY: { description: Read keys and roles, permissions: [keys:read, roles:read] }
  AUDITOR: { description: "Reads keys, events and the shared secret", permissions: [keys:read, events:read, shared-secret:read] }
  GATEWAY: { description: Verifies keys only, permissions: [keys:verify] }
`;

let ws: E2eWorkspace;
let service: KeyService;
let browser: HeadlessBrowser;
let auditor: CreatedApiKey;
let reader: CreatedApiKey;
let gateway: CreatedApiKey;
let idle: CreatedApiKey;

beforeAll(async () => {
  ws = await E2eWorkspace.create('keyplan-console-');
  service = await ws.startKeyService({ rolesFile: await ws.writeFile('roles.yaml', ROLES), args: ['--console'] });
  auditor = await service.createKey('Console_Auditor', ['AUDITOR'], { description: 'Looks at the console' });
  reader = await service.createKey('Plain_Reader', ['READONLY']);
  gateway = await service.createKey('Gateway', ['GATEWAY']);
  const billing = await service.createKey('Billing_Reader', ['READONLY'], { description: 'Reads invoices', metadata: { 'managed-by': 'keyplan', 'keyplan-owner': 'team-billing' } });
  idle = await service.createKey('Idle_Key', ['READONLY'], { description: 'Nobody uses this' });
  const renamed = await service.call('PATCH', `/v1/keys/${idle.id}`, { body: { description: 'Nobody uses this, still' } });
  expect(renamed.status).toBe(200);
  await service.useKey(billing.secret);
  const rotated = await service.call<{ prefix: string }>('POST', '/v1/shared-secret/rotate');
  expect(rotated.status).toBe(200);
  browser = await HeadlessBrowser.launch();
});

afterAll(async () => {
  await browser?.close();
  await ws?.dispose();
});

/** Every page the browser was shown is scanned for every secret (at dispose). */
async function seen(page: BrowserPage, label: string): Promise<void> {
  ws.secrets.record(`console page ${label}`, await page.page.content());
}

async function signIn(key: string): Promise<BrowserPage> {
  const page = await browser.open(`${service.url}/console`);
  expect(new URL(page.page.url()).pathname).toBe('/console/sign-in');
  await page.page.type('#key', key);
  await Promise.all([page.page.waitForNavigation(), page.page.click('form.signin button[type=submit]')]);
  await seen(page, `after signing in at ${page.page.url()}`);
  return page;
}

async function follow(page: BrowserPage, selector: string): Promise<void> {
  await Promise.all([page.page.waitForNavigation(), page.page.click(selector)]);
  await seen(page, page.page.url());
}

const NAMES = 'table.keys tbody tr .n';

describe('keyplan serve --console in a real browser', () => {
  it('is off without --console: /console is the API\'s 404', async () => {
    const plain = await ws.startKeyService();
    const reply = await formCall(`${plain.url}/console`);
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('sends a browser with no cookie to sign in, under a policy without unsafe-inline', async () => {
    const page = await browser.newPage();
    const response = await page.page.goto(`${service.url}/console/keys/${idle.id}`, { waitUntil: 'load' });
    expect(new URL(page.page.url()).pathname).toBe('/console/sign-in');
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    expect(await page.evaluate<number>('document.querySelectorAll("script:not([src]), style, [style]").length')).toBe(0);
    expect(await page.text('label[for=key]')).toBe('API key with the keys:read permission');
    expect(await page.text('.banner')).toContain('read-only');
    await page.screenshot(ws.path('console-sign-in.png'));
    page.assertNoProblems();
  });

  it('refuses a wrong key (401) and a key without keys:read (403), setting no sign-in cookie', async () => {
    const wrong = await signIn('not-a-key-at-all-0123456789abcdef');
    expect(await wrong.text('[role=alert]')).toBe('That key is not valid (unknown, expired or revoked).');
    expect(await wrong.evaluate<string>('document.getElementById("key").value')).toBe('');
    const problems = wrong.takeProblems();
    expect(problems).toContainEqual(expect.stringMatching(/^HTTP 401: POST .*\/console\/sign-in$/));
    expect(problems.every((problem) => problem.includes('401'))).toBe(true);
    const lacking = await signIn(gateway.secret);
    expect(await lacking.text('[role=alert]')).toBe('That key lacks the keys:read permission the console needs.');
    expect(lacking.takeProblems().every((problem) => problem.includes('403'))).toBe(true);
    for (const page of [wrong, lacking]) {
      expect((await page.page.browserContext().cookies()).map((c) => c.name)).not.toContain('kp_console');
      await page.page.goto(`${service.url}/console`, { waitUntil: 'load' });
      expect(new URL(page.page.url()).pathname).toBe('/console/sign-in');
      page.assertNoProblems();
    }
  });

  it('signs in, lists the keys with "Never", shows a key\'s details and events and the shared secret, signs out', async () => {
    const page = await signIn(auditor.secret);
    expect(new URL(page.page.url()).pathname).toBe('/console');
    const cookie = (await page.page.browserContext().cookies()).find((c) => c.name === 'kp_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/console' });
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    expect((await page.texts(NAMES)).sort()).toEqual(['Billing_Reader', 'Console_Auditor', 'Gateway', 'Idle_Key', 'Plain_Reader']);
    expect(await page.texts('table.keys tbody tr:has(a[href$="' + idle.id + '"]) td:nth-child(5)')).toEqual(['Never']);
    expect(await page.text('table.keys tbody tr:has(.n a[href$="' + idle.id + '"]) td:nth-child(7)')).toBe('not managed by keyplan');
    await page.page.type('#filter-text', 'invoices');
    await page.waitFor('document.getElementById("table-status").textContent.startsWith("Showing 1 of 1 ")');
    expect(await page.texts(NAMES)).toEqual(['Billing_Reader']);
    await page.screenshot(ws.path('console-keys.png'));

    await page.page.click('#filter-text', { count: 3 });
    await page.page.type('#filter-text', 'idle_key');
    await page.waitFor('document.querySelectorAll("table.keys tbody tr").length === 1 && document.querySelector("table.keys tbody .n").textContent === "Idle_Key"');
    await follow(page, 'table.keys tbody .n a');
    expect(new URL(page.page.url()).pathname).toBe(`/console/keys/${idle.id}`);
    const details = await page.evaluate<Record<string, string>>('Object.fromEntries(Array.from(document.querySelectorAll("dl.details dt"), (dt) => [dt.textContent, dt.nextElementSibling.textContent]))');
    expect(details).toMatchObject({ Id: idle.id, Name: 'Idle_Key', Description: 'Nobody uses this, still', Roles: 'READONLY', Permissions: 'keys:read, roles:read', 'Last use': 'Never', Expires: 'never', Revoked: 'no' });
    expect(await page.texts('table.kinds tbody td:nth-child(2)')).toEqual(['key.created', 'key.updated']);

    await follow(page, 'nav a[href="/console/shared-secret"]');
    const secret = await page.evaluate<Record<string, string>>('Object.fromEntries(Array.from(document.querySelectorAll("dl.details dt"), (dt) => [dt.textContent, dt.nextElementSibling.textContent]))');
    expect(secret.Prefix).toMatch(/^kps_/);
    expect(Object.keys(secret)).toEqual(['Prefix', 'Created', 'Last rotated']);

    await follow(page, 'nav form button');
    expect(new URL(page.page.url()).pathname).toBe('/console/sign-in');
    expect((await page.page.browserContext().cookies()).map((c) => c.name)).not.toContain('kp_console');
    const replayed = await formCall(`${service.url}/console`, { headers: { cookie: `kp_console=${cookie?.value}` } });
    expect(replayed.status).toBe(303);
    expect(replayed.headers.location).toBe('/console/sign-in');
    page.assertNoProblems();
  });

  it('shows a key holding only keys:read what it may see, and says it changes nothing', async () => {
    const page = await signIn(reader.secret);
    await page.page.goto(`${service.url}/console/keys/${idle.id}`, { waitUntil: 'load' });
    expect(await page.text('main')).toContain('Listing events needs the events:read permission, which this key lacks.');
    await follow(page, 'nav a[href="/console/shared-secret"]');
    expect(await page.text('main')).toContain("Reading the shared secret's metadata needs the shared-secret:read permission");
    expect(await page.text('.banner')).toBe(
      'This console is read-only: it changes nothing. Keys are declared in keys.yaml; to change one, edit it there and run keyplan plan, then keyplan apply.',
    );
    await seen(page, 'shared secret as reader');
    page.assertNoProblems();
  });

  it('ends a sign-in when its key is revoked', async () => {
    const doomed = await service.createKey('Doomed_Reader', ['READONLY']);
    const page = await signIn(doomed.secret);
    expect(new URL(page.page.url()).pathname).toBe('/console');
    await service.revokeKey(doomed.id);
    await page.page.goto(`${service.url}/console`, { waitUntil: 'load' });
    expect(new URL(page.page.url()).pathname).toBe('/console/sign-in');
    page.assertNoProblems();
  });

  it('marks its cookies Secure when served over TLS', async () => {
    const [cert, key] = [ws.path('tls-cert.pem'), ws.path('tls-key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const secure = await ws.startKeyService({ args: ['--console', '--tls-cert', cert, '--tls-key', key] });
    const dispatcher = new Agent({ connect: { ca: await readFile(cert) } });
    try {
      const form = await formCall(`${secure.url}/console/sign-in`, { dispatcher });
      const csrfCookie = setCookies(form).get('kp_console_csrf') ?? '';
      expect(csrfCookie).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/);
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
      const signedIn = await formCall(`${secure.url}/console/sign-in`, { fields: { key: secure.adminKey, csrf }, headers: { cookie: csrfCookie.split(';')[0] as string, origin: secure.url }, dispatcher });
      expect(signedIn.status).toBe(303);
      expect(setCookies(signedIn).get('kp_console')).toMatch(/^kp_console=[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=28800; Secure$/);
      ws.secrets.record('console over TLS', form.body + signedIn.body);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses forged forms: no token, another site\'s origin, a sign-out without the session\'s token', async () => {
    const form = await formCall(`${service.url}/console/sign-in`);
    const csrfCookie = setCookies(form).get('kp_console_csrf')?.split(';')[0] ?? '';
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    expect(csrfCookie).toMatch(/^kp_console_csrf=.{40,}$/);
    const noToken = await formCall(`${service.url}/console/sign-in`, { fields: { key: auditor.secret } });
    expect(noToken.status).toBe(403);
    const foreign = await formCall(`${service.url}/console/sign-in`, { fields: { key: auditor.secret, csrf }, headers: { cookie: csrfCookie, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const crossSite = await formCall(`${service.url}/console/sign-in`, { fields: { key: auditor.secret, csrf }, headers: { cookie: csrfCookie, 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    const good = await formCall(`${service.url}/console/sign-in`, { fields: { key: auditor.secret, csrf }, headers: { cookie: csrfCookie, origin: service.url } });
    expect(good.status).toBe(303);
    const session = setCookies(good).get('kp_console') ?? '';
    expect(session).toMatch(/^kp_console=[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    const sessionCookie = session.split(';')[0] as string;
    const forgedOut = await formCall(`${service.url}/console/sign-out`, { fields: {}, headers: { cookie: sessionCookie } });
    expect(forgedOut.status).toBe(403);
    expect((await formCall(`${service.url}/console`, { headers: { cookie: sessionCookie } })).status).toBe(200);
    const put = await formCall(`${service.url}/console`, { method: 'POST', fields: {}, headers: { cookie: sessionCookie } });
    expect(put.status).toBe(405);
    for (const reply of [form, noToken, foreign, good, put]) ws.secrets.record('console form replies', reply.body);
  });

  it('charges failed sign-ins to the API\'s rate limits: 429 past the budget, a valid key still signs in', async () => {
    const form = await formCall(`${service.url}/console/sign-in`);
    const cookie = setCookies(form).get('kp_console_csrf')?.split(';')[0] ?? '';
    const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const statuses: number[] = [];
    // The budget is 20 failures per address per minute (a fixed window, which may turn over once during the loop).
    for (let attempt = 0; attempt < 60 && !statuses.includes(429); attempt += 1) {
      const reply = await formCall(`${service.url}/console/sign-in`, { fields: { key: `wrong-guess-${attempt}-0123456789abcdef`, csrf }, headers: { cookie } });
      statuses.push(reply.status);
      if (reply.status === 429) expect(reply.body).toMatch(/Too many failed sign-ins; try again in \d+ s/);
    }
    expect(statuses.slice(0, 18)).toEqual(new Array(18).fill(401));
    expect(statuses.at(-1)).toBe(429);
    const api = await service.call('GET', '/v1/keys', { token: 'wrong-guess-api-0123456789abcdef' });
    expect(api.status).toBe(429);
    const page = await signIn(auditor.secret);
    expect(new URL(page.page.url()).pathname).toBe('/console');
    page.assertNoProblems();
  });
});
