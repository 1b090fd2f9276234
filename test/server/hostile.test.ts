// Hostile clients against a real server on 127.0.0.1: every refusal is a 4xx JSON answer, nothing
// unauthenticated reaches the body, nothing secret reaches the log, and a copy of the data directory yields nothing.
import { copyFile, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/store/shared/secrets.js';
import { startServer } from '../../src/server/server.js';
import { ADMIN_KEY, Harness, TEST_STORE } from './harness.js';
import { openSocket, rawExchange, readOneAnswer } from './raw-http.js';

const ROLES_FILE = `
roles:
  ADMIN: { description: Everything, permissions: ["*"] }
  READONLY: { description: Read keys and roles, permissions: [keys:read, roles:read] }
  GATEWAY: { description: Verifies keys, permissions: [keys:verify] }
  KEYMANAGER: { description: What apply needs, permissions: [keys:read, keys:create, keys:update, keys:revoke, roles:read] }
`;

let rolesDir: string;
let rolesFile: string;
let h: Harness;
const logLines: string[] = [];

beforeAll(async () => {
  rolesDir = await mkdtemp(join(tmpdir(), 'keyplan-hostile-'));
  rolesFile = join(rolesDir, 'roles.yaml');
  await writeFile(rolesFile, ROLES_FILE);
  h = await Harness.start({ rolesFile, log: (line) => logLines.push(line) });
});
afterAll(async () => {
  await h.stop();
  await rm(rolesDir, { recursive: true, force: true });
});

function rawRequest(method: string, path: string, headers: Record<string, string | string[]>, body = ''): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) for (const one of [value].flat()) lines.push(`${name}: ${one}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function expectJsonError(body: string, code: string): void {
  expect(JSON.parse(body)).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe('bodies are read only after authentication', () => {
  it('answers an unauthenticated request claiming a 1 GB body with 401 at once, without reading it, and closes', async () => {
    const socket = await openSocket(h.server.url);
    socket.write(rawRequest('POST', '/v1/keys', { 'content-type': 'application/json', 'content-length': String(1024 ** 3) }, '{"name":'));
    const answer = await readOneAnswer(socket);
    socket.destroy();
    expect(answer.status).toBe(401);
    expect(answer.headers.connection).toBe('close');
    expectJsonError(answer.body, 'unauthorized');
  });

  it('keeps a connection open after a body that came whole, with its headers or after them', async () => {
    const socket = await openSocket(h.server.url);
    const body = JSON.stringify({ key: 'kp_unknown', permission: 'keys:read' });
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': String(body.length) };
    // Headers and body in one write, then in two, then split inside the body: each answered on the same connection.
    const answers = [];
    socket.write(rawRequest('POST', '/v1/verify', headers, body));
    answers.push(await readOneAnswer(socket));
    socket.write(rawRequest('POST', '/v1/verify', headers));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(body);
    answers.push(await readOneAnswer(socket));
    socket.write(rawRequest('POST', '/v1/verify', headers, body.slice(0, 10)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(body.slice(10));
    answers.push(await readOneAnswer(socket));
    socket.destroy();
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toBe('{"valid":false,"reason":"unknown"}');
      expect(answer.headers.connection).toBe('keep-alive');
    }
  });

  it('answers verify with its fields in one order: valid, reason, key, permissions', async () => {
    const client = await h.createKey('verify-order', ['READONLY']);
    const ask = async (permission: string) => {
      const body = JSON.stringify({ key: client.secret, permission });
      const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': String(body.length), connection: 'close' };
      return (await rawExchange(h.server.url, rawRequest('POST', '/v1/verify', headers, body))).body;
    };
    const key = `"key":{"id":"${client.id}","name":"verify-order","roles":["READONLY"]}`;
    expect(await ask('keys:read')).toBe(`{"valid":true,${key},"permissions":["keys:read","roles:read"]}`);
    expect(await ask('keys:create')).toBe(`{"valid":false,"reason":"missing_permission",${key},"permissions":["keys:read","roles:read"]}`);
  });

  it('answers an authenticated request claiming a body over 1 MiB with 413 at once', async () => {
    const socket = await openSocket(h.server.url);
    socket.write(rawRequest('POST', '/v1/keys', { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': String(1024 ** 3) }, '{'));
    const answer = await readOneAnswer(socket);
    socket.destroy();
    expect(answer.status).toBe(413);
    expectJsonError(answer.body, 'payload_too_large');
  });

  it('answers a 10 MB unauthenticated body with 401, not 413', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 0x20);
    const socket = await openSocket(h.server.url);
    socket.on('error', () => undefined);
    socket.write(rawRequest('POST', '/v1/verify', { 'content-type': 'application/json', 'content-length': String(body.length) }));
    socket.write(body);
    const answer = await readOneAnswer(socket);
    socket.destroy();
    expect(answer.status).toBe(401);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const reply = await h.call('POST', '/v1/keys', { rawBody: '{"name":"x","roles":[]}', headers: { 'content-type': 'text/plain' } });
    expect(reply.status).toBe(415);
    expect(reply.body.error.code).toBe('unsupported_media_type');
  });
});

describe('client mistakes get a 4xx JSON answer', () => {
  it('answers a malformed percent-encoded key id with 400 on GET, PATCH and DELETE', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const reply = await h.call(method, '/v1/keys/%zz', method === 'PATCH' ? { body: { description: 'x' } } : {});
      expect(reply.status, method).toBe(400);
    }
  });

  it('refuses expirations that overflow, are zero, or name no real day', async () => {
    for (const extra of [{ expires_in: '280000y' }, { expires_in: '0s' }, { expires_at: '2027-02-30T00:00:00Z' }, { expires_at: '2027-06-30T24:00:00Z' }]) {
      const reply = await h.call('POST', '/v1/keys', { body: { name: 'bad-expiry', roles: ['READONLY'], ...extra } });
      expect(reply.status, JSON.stringify(extra)).toBe(422);
    }
  });

  it('refuses two Idempotency-Key headers with 400', async () => {
    const body = '{"name":"twice","roles":["READONLY"]}';
    const answer = await rawExchange(
      h.server.url,
      rawRequest('POST', '/v1/keys', { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': String(body.length), 'idempotency-key': ['a', 'b'], connection: 'close' }, body),
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.message).toMatch(/one Idempotency-Key/);
  });

  it('answers parser-level refusals with JSON bodies: malformed request 400, huge headers 431', async () => {
    const malformed = await rawExchange(h.server.url, 'GET /v1/keys HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n');
    expect(malformed.status).toBe(400);
    expectJsonError(malformed.body, 'bad_request');
    const huge = await rawExchange(h.server.url, rawRequest('GET', '/v1/keys', { 'x-filler': 'a'.repeat(20_000) }));
    expect(huge.status).toBe(431);
    expectJsonError(huge.body, 'headers_too_large');
  });

  it('answers HEAD wherever GET works, without a body', async () => {
    const head = await request(`${h.server.url}/v1/keys`, { method: 'HEAD', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(head.statusCode).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(await head.body.text()).toBe('');
    const allow = await request(`${h.server.url}/v1/verify`, { method: 'HEAD', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(allow.statusCode).toBe(405);
    await allow.body.text();
  });
});

describe('nothing secret is logged or echoed', () => {
  it('logs the route template and key id, never the raw path, and never echoes a path in an error', async () => {
    const key = await h.createKey('log-probe', ['READONLY']);
    const rest = key.secret.slice(3);
    logLines.length = 0;
    const pasted = await h.call('GET', `/v1/keys/kp%5F${rest}`);
    expect(pasted.status).toBe(404);
    const unauthenticated = await h.call('GET', `/v1/x/kp%5F${rest}`, { token: null });
    expect(unauthenticated.status).toBe(404);
    const known = await h.call('GET', `/v1/keys/${key.id}`);
    expect(known.status).toBe(200);
    for (const text of [JSON.stringify(pasted.body), JSON.stringify(unauthenticated.body), ...logLines]) expect(text).not.toContain(rest);
    expect(logLines.some((line) => line.startsWith('GET /v1/keys/{id} 404'))).toBe(true);
    expect(logLines.some((line) => line.startsWith('GET (no such endpoint) 404'))).toBe(true);
    expect(logLines.some((line) => line.startsWith(`GET /v1/keys/{id} ${key.id} 200`))).toBe(true);
  });
});

describe('key names', () => {
  it('refuses ill-formed Unicode and control, bidi and zero-width characters', async () => {
    for (const raw of ['"sur\\ud800"', '"sur\\udbff"', '"ro1\\u200b"', '"a\\u202eb"', '"a\\u0085b"', '"a\\u00a0b"']) {
      const reply = await h.call('POST', '/v1/keys', { rawBody: `{"name":${raw},"roles":["READONLY"]}`, headers: { 'content-type': 'application/json' } });
      expect(reply.status, raw).toBe(422);
      expect(reply.body.error.details.fields[0].field).toBe('name');
    }
  });

  it('stores names in NFC, so a decomposed look-alike is the same name', async () => {
    const composed = await h.createKey('caf\u00e9', ['READONLY']);
    const decomposed = await h.call('POST', '/v1/keys', { body: { name: 'cafe\u0301', roles: ['READONLY'] } });
    expect(decomposed.status).toBe(409);
    expect(decomposed.body.error.message).toContain(composed.id);
    const other = await h.createKey('plain', ['READONLY']);
    expect((await h.call('PATCH', `/v1/keys/${other.id}`, { body: { name: 'cafe\u0301' } })).status).toBe(409);
  });
});

describe('privilege boundary', () => {
  it('lets a key manager change and revoke only keys within its own permissions, and records before/after', async () => {
    const manager = await h.createKey('manager', ['KEYMANAGER']);
    const admin = await h.createKey('an-admin', ['ADMIN'], { metadata: { prevent_revoke: 'true' } });
    const reader = await h.createKey('a-reader', ['READONLY']);
    const as = { token: manager.secret };
    for (const body of [{ roles: ['READONLY'] }, { name: 'renamed-admin' }, { metadata: {} }]) {
      const refused = await h.call('PATCH', `/v1/keys/${admin.id}`, { ...as, body });
      expect(refused.status, JSON.stringify(body)).toBe(403);
      expect(refused.body.error.message).toContain(admin.id);
    }
    expect((await h.call('DELETE', `/v1/keys/${admin.id}`, as)).status).toBe(403);
    expect((await h.call('PATCH', `/v1/keys/${reader.id}`, { ...as, body: { roles: ['ADMIN'] } })).status).toBe(403);
    expect((await h.call('GET', `/v1/keys/${admin.id}`)).body).toMatchObject({ name: 'an-admin', roles: ['ADMIN'], revoked_at: null, metadata: { prevent_revoke: 'true' } });

    expect((await h.call('PATCH', `/v1/keys/${reader.id}`, { ...as, body: { description: 'now described', metadata: { team: 'billing' } } })).status).toBe(200);
    expect((await h.call('DELETE', `/v1/keys/${reader.id}`, as)).status).toBe(200);
    const events = (await h.call('GET', '/v1/events?limit=1000')).body.events as { action: string; key_id?: string; details?: Record<string, unknown> }[];
    const update = events.find((event) => event.action === 'key.updated' && event.key_id === reader.id);
    expect(update?.details).toEqual({
      changed: ['description', 'metadata'],
      before: { description: '', metadata: {} },
      after: { description: 'now described', metadata: { team: 'billing' } },
    });
  });
});

describe('idempotent creates', () => {
  it('replays only to the caller that created the key, and answers 409 naming a key revoked since', async () => {
    const manager = await h.createKey('idem-manager', ['KEYMANAGER']);
    const send = (token: string) => h.call('POST', '/v1/keys', { token, body: { name: 'idem-made', roles: ['READONLY'] }, headers: { 'idempotency-key': 'idem-1' } });
    const first = await send(manager.secret);
    expect(first.status).toBe(201);
    const again = await send(manager.secret);
    expect(again.status).toBe(200);
    expect(again.body.secret).toBe(first.body.secret);
    await h.call('DELETE', `/v1/keys/${first.body.key.id}`);
    const afterRevoke = await send(manager.secret);
    expect(afterRevoke.status).toBe(409);
    expect(afterRevoke.body.error.message).toContain(first.body.key.id);
    expect(afterRevoke.body.error.details).toMatchObject({ id: first.body.key.id, name: 'idem-made', state: 'revoked' });
    expect(JSON.stringify(afterRevoke.body)).not.toContain(first.body.secret);
  });

  it('answers 409 naming a key that expired since', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const timed = await Harness.start({ clock: () => now });
    try {
      const body = { name: 'short-lived', roles: ['READONLY'], expires_in: '1h' };
      const first = await timed.call('POST', '/v1/keys', { body, headers: { 'idempotency-key': 'exp-1' } });
      expect(first.status).toBe(201);
      now += 2 * 3_600_000;
      const retry = await timed.call('POST', '/v1/keys', { body, headers: { 'idempotency-key': 'exp-1' } });
      expect(retry.status).toBe(409);
      expect(retry.body.error.details).toMatchObject({ id: first.body.key.id, state: 'expired' });
    } finally {
      await timed.stop();
    }
  });

  // SQLite files; the PostgreSQL store's replay copies are checked in test/store/store-contract.test.ts.
  it.skipIf(TEST_STORE === 'postgres')('keeps nothing in the data directory that yields a secret, and keeps its files mode 0600', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await h.call('POST', '/v1/keys', { body: { name: `sealed-${i}`, roles: ['READONLY'] }, headers: { 'idempotency-key': `seal-${i}` } });
      created.push(reply.body.secret);
    }
    const copy = await mkdtemp(join(tmpdir(), 'keyplan-stolen-'));
    try {
      const files = (await readdir(h.dir)).filter((name) => name.startsWith('keys.db'));
      expect(files).toEqual(expect.arrayContaining(['keys.db', 'keys.db-wal', 'keys.db-shm', 'keys.db.pepper']));
      for (const name of files) {
        expect(((await stat(join(h.dir, name))).mode & 0o777).toString(8), name).toBe('600');
        await copyFile(join(h.dir, name), join(copy, name));
      }
      for (const name of files) for (const secret of created) expect((await readFile(join(copy, name))).includes(secret), name).toBe(false);
      // What the thief can do with the copy: open the database, derive everything the pepper gives, try every sealed copy.
      const pepper = Buffer.from((await readFile(join(copy, 'keys.db.pepper'), 'utf8')).trim(), 'hex');
      const db = new Database(join(copy, 'keys.db'));
      const rows = db.prepare('SELECT scope, idem_key, key_id, sealed_secret FROM idempotency').all() as { scope: string; idem_key: string; key_id: string; sealed_secret: Buffer }[];
      db.close();
      expect(rows.length).toBeGreaterThanOrEqual(created.length);
      const box = SecretBox.forPepper(pepper);
      for (const row of rows) expect(box.open(row.sealed_secret, JSON.stringify([row.scope, row.idem_key, row.key_id]))).toBeUndefined();
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe('the pepper and the database belong together', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('refuses to start when the pepper file is missing or different, saying what to restore', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-pepper-'));
    const dbPath = join(dir, 'keys.db');
    const first = await startServer({ dbPath, port: 0, adminKey: ADMIN_KEY });
    await first.store.createKey({ name: 'k', roles: ['READONLY'] });
    await first.close();
    const original = await readFile(`${dbPath}.pepper`, 'utf8');

    await unlink(`${dbPath}.pepper`);
    await expect(startServer({ dbPath, port: 0 })).rejects.toThrow(/keys\.db\.pepper is missing, but the database .* holds keys .* Restore keys\.db\.pepper from the backup/);
    await writeFile(`${dbPath}.pepper`, `${'ab'.repeat(32)}\n`);
    await expect(startServer({ dbPath, port: 0 })).rejects.toThrow(/is not the one the keys in .* were hashed with.*Restore .*keys\.db\.pepper/);
    await writeFile(`${dbPath}.pepper`, original);
    await (await startServer({ dbPath, port: 0 })).close();
  });

  it('replaces an empty pepper file left by a failed first start, since nothing was hashed with it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-pepper-'));
    const dbPath = join(dir, 'keys.db');
    await writeFile(`${dbPath}.pepper`, '');
    const server = await startServer({ dbPath, port: 0 });
    await server.close();
    expect((await readFile(`${dbPath}.pepper`, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a short admin key and a database in a missing directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-pepper-'));
    await expect(startServer({ dbPath: join(dir, 'keys.db'), port: 0, adminKey: 'short-admin-key' })).rejects.toThrow(/at least 32 characters/);
    await expect(startServer({ dbPath: join(dir, 'missing', 'keys.db'), port: 0 })).rejects.toThrow(/does not exist: create it/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('failure budgets throttle failures, never a valid key', () => {
  let t: Harness;
  afterEach(async () => t.stop());

  const whoami = (token: string, localAddress: string) =>
    rawExchange(t.server.url, rawRequest('GET', '/v1/whoami', { authorization: `Bearer ${token}`, connection: 'close' }), { localAddress });

  it('keeps serving a valid key from an address that failed 100 times', async () => {
    t = await Harness.start();
    for (let i = 0; i < 100; i++) await t.call('GET', '/v1/whoami', { token: `kp_guess${i}` });
    expect((await t.call('GET', '/v1/whoami', { token: 'kp_guess-more' })).status).toBe(429);
    expect((await t.call('GET', '/v1/whoami')).status).toBe(200);
  });

  it('limits failures spread over many addresses (global budget) and aimed at one key prefix', async () => {
    t = await Harness.start({ throttle: { global: 40, perKeyPrefix: 5 } });
    const statuses: number[] = [];
    for (let i = 1; i <= 45; i++) statuses.push((await whoami(`kp_spread${i}xyz`, `127.0.${Math.floor(i / 200)}.${(i % 200) + 2}`)).status);
    expect(statuses.slice(0, 40).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(40).every((status) => status === 429)).toBe(true);
    expect((await whoami(ADMIN_KEY, '127.0.3.3')).status).toBe(200);

    await t.stop();
    t = await Harness.start({ throttle: { perKeyPrefix: 5 } });
    const prefix: number[] = [];
    for (let i = 0; i < 7; i++) prefix.push((await whoami(`kp_AAAAAAAA${i}tail`, `127.0.5.${i + 2}`)).status);
    expect(prefix).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it('charges failed verify lookups to the calling key, and still answers valid lookups', async () => {
    t = await Harness.start({ rolesFile, throttle: { perVerifyCaller: 3 } });
    const gateway = await t.createKey('gw', ['GATEWAY']);
    const client = await t.createKey('client', ['READONLY']);
    const verify = (key: string) => t.call('POST', '/v1/verify', { token: gateway.secret, body: { key } });
    for (let i = 0; i < 3; i++) expect((await verify(`kp_unknown${i}`)).body.valid).toBe(false);
    const limited = await verify('kp_unknown-again');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await verify(client.secret)).body).toMatchObject({ valid: true });
  });
});
