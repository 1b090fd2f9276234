import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyplanError, ProviderError } from '../../src/core/errors.js';
import type { ProviderConfig } from '../../src/core/model.js';
import { Secret } from '../../src/core/secret.js';
import { KeyServiceClient, isIdempotent } from '../../src/providers/http-client.js';
import { HttpProvider } from '../../src/providers/http/http.js';
import { openProvider } from '../../src/providers/index.js';
import type { CreateKeyInput } from '../../src/providers/provider.js';
import { createBody, fromWireCapabilities, fromWireKey } from '../../src/providers/wire.js';
import { errorBody, wireKey } from './wire-builders.js';

const ORIGIN = 'http://keys.test';
const TOKEN = 'kp_TOPSECRETtoken0123456789abcdef';
const NOW = Date.parse('2025-06-01T12:00:00Z');
const source = { file: 'keys.yaml', line: 1, column: 1 };

let agent: MockAgent | undefined;

interface Setup {
  mock: MockAgent;
  provider: HttpProvider;
  sleeps: number[];
  /** Every request the mock answered with a status: method, path, headers. */
  requests: { method: string; path: string; headers: Record<string, string>; body?: string }[];
}

function setup(options: { maxAttempts?: number; url?: string } = {}): Setup {
  const mock = new MockAgent();
  mock.disableNetConnect();
  agent = mock;
  const sleeps: number[] = [];
  const requests: Setup['requests'] = [];
  const provider = new HttpProvider({
    name: 'prod',
    url: options.url ?? ORIGIN,
    token: new Secret(TOKEN),
    tokenEnv: 'KEYPLAN_TOKEN',
    dispatcher: mock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => NOW,
    random: () => 0.5,
    retry: { maxAttempts: options.maxAttempts ?? 5 },
  });
  return { mock, provider, sleeps, requests };
}

/** Replies in order, one per request, recording each request. */
function replies(
  s: Setup,
  method: string,
  path: string | ((p: string) => boolean),
  ...answers: ({ status: number; body?: unknown; headers?: Record<string, string> } | Error)[]
) {
  const pool = s.mock.get(ORIGIN);
  for (const answer of answers) {
    const interceptor = pool.intercept({ method, path });
    if (answer instanceof Error) {
      interceptor.replyWithError(answer);
      continue;
    }
    interceptor.reply(({ path: p, method: m, headers, body }) => {
      s.requests.push({ method: m, path: p, headers: headers as Record<string, string>, body: typeof body === 'string' ? body : undefined });
      return {
        statusCode: answer.status,
        data: answer.body === undefined ? '' : JSON.stringify(answer.body),
        responseOptions: { headers: { 'content-type': 'application/json', ...answer.headers } },
      };
    });
  }
}

function connectionError(code: string, message = `socket failure ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

function expectNoToken(error: unknown) {
  const forms = [
    String(error),
    (error as Error).message,
    (error as Error).stack ?? '',
    inspect(error, { depth: 20, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify(Object.getOwnPropertyDescriptors(error)),
  ];
  for (const form of forms) expect(form).not.toContain(TOKEN);
}

const createInput: CreateKeyInput = {
  name: 'billing',
  description: 'Reads invoices',
  roles: ['READONLY'],
  expires: { kind: 'relative', ms: 90 * 86_400_000, text: '90d' },
  metadata: { 'managed-by': 'keyplan' },
  idempotencyKey: 'idem-1',
};

afterEach(async () => {
  const current = agent;
  agent = undefined;
  if (current) {
    current.assertNoPendingInterceptors();
    await current.close();
  }
});

describe('list', () => {
  it('follows next_cursor across pages, asks for 1000 at a time, and leaves out revoked keys', async () => {
    const s = setup();
    const [a, b, c] = [wireKey({ name: 'a' }), wireKey({ name: 'b', revoked_at: '2025-02-01T00:00:00Z' }), wireKey({ name: 'c' })];
    replies(s, 'GET', (p) => p.startsWith('/v1/keys?'), { status: 200, body: { keys: [a, b], next_cursor: 'page-2' } });
    replies(s, 'GET', (p) => p.startsWith('/v1/keys?'), { status: 200, body: { keys: [c], next_cursor: null } });

    const keys = await s.provider.list();

    expect(keys.map((k) => k.name)).toEqual(['a', 'c']);
    const queries = s.requests.map((r) => Object.fromEntries(new URL(r.path, ORIGIN).searchParams));
    expect(queries).toEqual([{ limit: '1000' }, { limit: '1000', cursor: 'page-2' }]);
    expect(s.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('keeps a path prefix of the service URL', async () => {
    const s = setup({ url: `${ORIGIN}/keys-api/` });
    replies(s, 'GET', (p) => p.startsWith('/keys-api/v1/keys?'), { status: 200, body: { keys: [], next_cursor: null } });
    expect(await s.provider.list()).toEqual([]);
  });

  it('refuses a server that hands out the same cursor forever', async () => {
    const s = setup();
    for (let i = 0; i < 2; i++) {
      replies(s, 'GET', (p) => p.startsWith('/v1/keys?'), { status: 200, body: { keys: [], next_cursor: 'again' } });
    }
    const error = await failure(s.provider.list());
    expect(error.message).toContain('repeated a page cursor');
  });

  it('names the bad field of an invalid response', async () => {
    const s = setup();
    replies(s, 'GET', (p) => p.startsWith('/v1/keys?'), { status: 200, body: { keys: [{ id: 'key_1', name: 7 }] } });
    const error = await failure(s.provider.list());
    expect(error.message).toBe(`the key service sent an invalid key: "name" should be a string, got number 7 (from ${ORIGIN})`);
    expect(error.code).toBe('invalid_response');
  });
});

describe('wire <-> model', () => {
  it('turns ISO times into epoch ms and keeps nulls', () => {
    const key = fromWireKey(
      wireKey({
        id: 'key_x',
        created_at: '2025-01-02T03:04:05.678Z',
        expires_at: '2026-01-01T00:00:00Z',
        last_used_at: null,
        revoked_at: null,
        metadata: { 'managed-by': 'keyplan' },
        etag: '"3"',
      }),
    );
    expect(key).toMatchObject({
      id: 'key_x',
      createdAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
      expiresAt: Date.UTC(2026, 0, 1),
      lastUsedAt: null,
      revokedAt: null,
      metadata: { 'managed-by': 'keyplan' },
      etag: '"3"',
    });
  });

  it('rejects a time that is not ISO-8601', () => {
    expect(() => fromWireKey(wireKey({ last_used_at: 'yesterday' }))).toThrow(/"last_used_at" is not an ISO-8601 time/);
  });

  it('encodes each kind of expiry', () => {
    const body = (expires: CreateKeyInput['expires']) => createBody({ ...createInput, expires });
    expect(body({ kind: 'relative', ms: 90 * 86_400_000, text: '90d' })).toMatchObject({ expires_in: '90d' });
    expect(body({ kind: 'relative', ms: 90 * 86_400_000, text: '90d' })).not.toHaveProperty('expires_at');
    expect(body({ kind: 'absolute', at: Date.UTC(2027, 5, 30, 23, 59, 59, 999), text: '2027-06-30' })).toMatchObject({
      expires_at: '2027-06-30T23:59:59.999Z',
    });
    expect(body({ kind: 'never' })).toMatchObject({ expires_in: 'never' });
    const unset = body(undefined);
    expect(unset).not.toHaveProperty('expires_in');
    expect(unset).not.toHaveProperty('expires_at');
  });

  it('reads both kinds of expiration capability', () => {
    expect(
      fromWireCapabilities({
        editable_fields: ['name', 'roles', 'colour'],
        expiration: { mode: 'any', max: '365d', allows_never: false },
        metadata: true,
        max_page_size: 1000,
      }),
    ).toEqual({ editableFields: ['name', 'roles'], expiration: { mode: 'any', maxMs: 365 * 86_400_000, allowsNever: false }, metadata: true });
    expect(
      fromWireCapabilities({ editable_fields: [], expiration: { mode: 'presets', presets: ['30d', 'never'] }, metadata: false }),
    ).toEqual({ editableFields: [], expiration: { mode: 'presets', presets: ['30d', 'never'] }, metadata: false });
    expect(() => fromWireCapabilities({ editable_fields: [], expiration: { mode: 'any', max: 'a year' } })).toThrow(/"max" is not a duration/);
  });
});

describe('create', () => {
  it('sends the body and Idempotency-Key and wraps the secret', async () => {
    const s = setup();
    const key = wireKey({ name: 'billing' });
    replies(s, 'POST', '/v1/keys', { status: 201, body: { key, secret: 'kp_new_secret_1' }, headers: { etag: '"1"' } });

    const created = await s.provider.create(createInput);

    expect(created.secret).toBeInstanceOf(Secret);
    expect(created.secret.reveal()).toBe('kp_new_secret_1');
    expect(created.replayed).toBe(false);
    expect(created.key.name).toBe('billing');
    expect(s.requests[0]?.headers['idempotency-key']).toBe('idem-1');
    expect(JSON.parse(s.requests[0]?.body ?? '')).toEqual({
      name: 'billing',
      description: 'Reads invoices',
      roles: ['READONLY'],
      expires_in: '90d',
      metadata: { 'managed-by': 'keyplan' },
    });
  });

  it('retries after a 503 with the same Idempotency-Key, and a replay returns the same secret', async () => {
    const s = setup();
    const key = wireKey({ name: 'billing' });
    replies(
      s,
      'POST',
      '/v1/keys',
      { status: 503, body: errorBody('internal', 'busy') },
      { status: 200, body: { key, secret: 'kp_same_secret' }, headers: { 'idempotent-replayed': 'true' } },
      { status: 200, body: { key, secret: 'kp_same_secret' }, headers: { 'idempotent-replayed': 'true' } },
    );

    const first = await s.provider.create(createInput);
    const again = await s.provider.create(createInput);

    expect(s.requests.map((r) => r.headers['idempotency-key'])).toEqual(['idem-1', 'idem-1', 'idem-1']);
    expect(s.sleeps).toHaveLength(1);
    expect(first.secret.reveal()).toBe('kp_same_secret');
    expect(again.secret.reveal()).toBe(first.secret.reveal());
    expect(again.key.id).toBe(first.key.id);
    expect(again.replayed).toBe(true);
  });
});

describe('retries', () => {
  it('retries a 500 and returns the answer that follows', async () => {
    const s = setup();
    replies(s, 'GET', '/v1/roles', { status: 500, body: errorBody('internal', 'oops') }, { status: 200, body: { roles: [] } });
    expect(await s.provider.roles()).toEqual([]);
    // full jitter with random() = 0.5 over the first ceiling of 200 ms
    expect(s.sleeps).toEqual([100]);
  });

  it('doubles the backoff ceiling each attempt and gives up after maxAttempts', async () => {
    const s = setup({ maxAttempts: 4 });
    for (let i = 0; i < 4; i++) replies(s, 'GET', '/v1/roles', { status: 502 });
    const error = await failure(s.provider.roles());
    expect(s.sleeps).toEqual([100, 200, 400]);
    expect(error.status).toBe(502);
    expect(error.message).toBe(`cannot read the roles: the key service at ${ORIGIN} answered HTTP 502, after 4 attempts`);
  });

  it('waits as long as a 429 Retry-After in seconds says', async () => {
    const s = setup();
    replies(
      s,
      'GET',
      '/v1/roles',
      { status: 429, body: errorBody('rate_limited', 'slow down'), headers: { 'retry-after': '7' } },
      { status: 200, body: { roles: [] } },
    );
    await s.provider.roles();
    expect(s.sleeps).toEqual([7000]);
  });

  it('waits until a Retry-After HTTP date, and caps long waits', async () => {
    const s = setup();
    const inThreeSeconds = new Date(NOW + 3000).toUTCString();
    replies(
      s,
      'GET',
      '/v1/roles',
      { status: 503, headers: { 'retry-after': inThreeSeconds } },
      { status: 429, headers: { 'retry-after': '86400' } },
      { status: 200, body: { roles: [] } },
    );
    await s.provider.roles();
    expect(s.sleeps).toEqual([3000, 30_000]);
  });

  it('says it was rate limited when 429s outlast the attempts', async () => {
    const s = setup({ maxAttempts: 2 });
    replies(s, 'GET', '/v1/capabilities', { status: 429, headers: { 'retry-after': '1' } }, { status: 429, body: errorBody('rate_limited', 'too many') });
    const error = await failure(s.provider.capabilities());
    expect(error.message).toBe(
      `cannot read the capabilities: the key service at ${ORIGIN} is rate limiting requests (gave up after 2 attempts): too many`,
    );
    expect(error.code).toBe('rate_limited');
  });

  it('retries connection errors', async () => {
    const s = setup();
    replies(s, 'DELETE', '/v1/keys/key_1', connectionError('ECONNRESET'), connectionError('UND_ERR_SOCKET'), {
      status: 200,
      body: wireKey({ id: 'key_1', revoked_at: '2025-06-01T12:00:00Z' }),
    });
    const key = await s.provider.revoke('key_1');
    expect(key.revokedAt).toBe(NOW);
    expect(s.sleeps).toHaveLength(2);
  });

  it('names the URL and the error code when the service cannot be reached', async () => {
    const s = setup({ maxAttempts: 3 });
    replies(s, 'GET', (p) => p.startsWith('/v1/keys'), connectionError('ECONNREFUSED'), connectionError('ECONNREFUSED'), connectionError('ECONNREFUSED'));
    const error = await failure(s.provider.list());
    expect(error.message).toBe(`cannot reach key service at ${ORIGIN}: ECONNREFUSED (GET /v1/keys, 3 attempts)`);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.status).toBeUndefined();
  });

  it('does not retry a PATCH without If-Match after a 503', async () => {
    const s = setup();
    replies(s, 'PATCH', '/v1/keys/key_1', { status: 503 });
    const error = await failure(s.provider.update('key_1', { description: 'x' }));
    expect(error.status).toBe(503);
    expect(s.requests).toHaveLength(1);
  });

  it('retries a PATCH with If-Match, and a 412 caused by its own lost first attempt is success', async () => {
    const s = setup();
    const updated = wireKey({ id: 'key_1', description: 'new', etag: '"2"' });
    replies(s, 'PATCH', '/v1/keys/key_1', connectionError('ECONNRESET'), { status: 412, body: errorBody('precondition_failed', 'version is 2') });
    replies(s, 'GET', '/v1/keys/key_1', { status: 200, body: updated });
    const key = await s.provider.update('key_1', { description: 'new' }, '"1"');
    expect(key.etag).toBe('"2"');
    expect(s.sleeps).toHaveLength(1);
    expect(s.requests.map((r) => [r.method, r.headers['if-match']])).toEqual([
      ['PATCH', '"1"'],
      ['GET', undefined],
    ]);
  });

  it('reports a 412 when the key was changed by someone else', async () => {
    const s = setup();
    replies(s, 'PATCH', '/v1/keys/key_1', { status: 412, body: errorBody('precondition_failed', 'version is 5, not 1') });
    const error = await failure(s.provider.update('key_1', { description: 'new' }, '"1"'));
    expect(error.status).toBe(412);
    expect(error.message).toBe('cannot update key key_1: the key changed since it was read; run plan again: version is 5, not 1');
  });
});

describe('the client retries only what is safe to repeat', () => {
  function client(maxAttempts = 3) {
    const mock = new MockAgent();
    mock.disableNetConnect();
    agent = mock;
    const sleeps: number[] = [];
    const c = new KeyServiceClient({
      url: ORIGIN,
      token: new Secret(TOKEN),
      dispatcher: mock,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      retry: { maxAttempts },
    });
    return { c, sleeps, pool: mock.get(ORIGIN) };
  }

  it('does not repeat a POST without Idempotency-Key after a 503 or a reset connection', async () => {
    const { c, pool } = client();
    pool.intercept({ method: 'POST', path: '/v1/verify' }).reply(503, '');
    const res = await c.send({ method: 'POST', path: '/v1/verify', body: {} });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(1);

    pool.intercept({ method: 'POST', path: '/v1/verify' }).replyWithError(connectionError('ECONNRESET'));
    const error = await failure(c.send({ method: 'POST', path: '/v1/verify', body: {} }));
    expect(error.message).toBe(`cannot reach key service at ${ORIGIN}: ECONNRESET (POST /v1/verify)`);
  });

  it('repeats a POST without Idempotency-Key when it never reached the server', async () => {
    const { c, pool, sleeps } = client();
    pool.intercept({ method: 'POST', path: '/v1/verify' }).replyWithError(connectionError('ECONNREFUSED'));
    pool.intercept({ method: 'POST', path: '/v1/verify' }).reply(200, { valid: true });
    const res = await c.send({ method: 'POST', path: '/v1/verify', body: {} });
    expect(res.body).toEqual({ valid: true });
    expect(sleeps).toHaveLength(1);
  });

  it('classifies requests by method and headers', () => {
    expect(isIdempotent({ method: 'GET', path: '/' })).toBe(true);
    expect(isIdempotent({ method: 'DELETE', path: '/' })).toBe(true);
    expect(isIdempotent({ method: 'POST', path: '/' })).toBe(false);
    expect(isIdempotent({ method: 'POST', path: '/', headers: { 'Idempotency-Key': 'k' } })).toBe(true);
    expect(isIdempotent({ method: 'PATCH', path: '/' })).toBe(false);
    expect(isIdempotent({ method: 'PATCH', path: '/', headers: { 'if-match': '"1"' } })).toBe(true);
  });
});

describe('error responses', () => {
  const cases: { status: number; body: unknown; call: (p: HttpProvider) => Promise<unknown>; method: string; path: string; message: string }[] = [
    {
      status: 401,
      body: errorBody('unauthorized', 'unknown key'),
      call: (p) => p.list(),
      method: 'GET',
      path: '/v1/keys?limit=1000',
      message: `the key service at ${ORIGIN} rejected the token in $KEYPLAN_TOKEN (cannot list keys): unknown key`,
    },
    {
      status: 403,
      body: errorBody('forbidden', 'missing permission'),
      call: (p) => p.create(createInput),
      method: 'POST',
      path: '/v1/keys',
      message: `the token lacks permission keys:create: cannot create key "billing" (token from $KEYPLAN_TOKEN, key service ${ORIGIN})`,
    },
    {
      status: 403,
      body: errorBody('forbidden', 'this key lacks the permission keys:revoke', { permission: 'keys:revoke' }),
      call: (p) => p.revoke('key_1'),
      method: 'DELETE',
      path: '/v1/keys/key_1',
      message: `the token lacks permission keys:revoke: cannot revoke key key_1 (token from $KEYPLAN_TOKEN, key service ${ORIGIN})`,
    },
    {
      status: 403,
      body: errorBody('forbidden', 'cannot grant roles with permissions this key lacks: keys:revoke', { permission: 'keys:revoke' }),
      call: (p) => p.create(createInput),
      method: 'POST',
      path: '/v1/keys',
      message: `the token lacks permission keys:revoke: cannot create key "billing": cannot grant roles with permissions this key lacks: keys:revoke (token from $KEYPLAN_TOKEN, key service ${ORIGIN})`,
    },
    {
      status: 404,
      body: errorBody('not_found', 'no such key'),
      call: (p) => p.revoke('key_1'),
      method: 'DELETE',
      path: '/v1/keys/key_1',
      message: `cannot revoke key key_1: key key_1 does not exist at ${ORIGIN}`,
    },
    {
      status: 404,
      body: undefined,
      call: (p) => p.roles(),
      method: 'GET',
      path: '/v1/roles',
      message: `cannot read the roles: ${ORIGIN} answered 404; is it a keyplan key service?`,
    },
    {
      status: 409,
      body: errorBody('conflict', 'an active key named "billing" exists: key_7'),
      call: (p) => p.create(createInput),
      method: 'POST',
      path: '/v1/keys',
      message: 'cannot create key "billing": conflict: an active key named "billing" exists: key_7',
    },
    {
      status: 412,
      body: errorBody('precondition_failed', 'version is 3'),
      call: (p) => p.update('key_1', { name: 'x' }, '"2"'),
      method: 'PATCH',
      path: '/v1/keys/key_1',
      message: 'cannot update key key_1: the key changed since it was read; run plan again: version is 3',
    },
    {
      status: 422,
      body: errorBody('unprocessable', 'expires_in: "400d" is longer than the maximum of 365d'),
      call: (p) => p.create(createInput),
      method: 'POST',
      path: '/v1/keys',
      message: 'cannot create key "billing": the key service refused it: expires_in: "400d" is longer than the maximum of 365d',
    },
  ];

  for (const c of cases) {
    it(`${c.status} on ${c.method} ${c.path}: ${c.message}`, async () => {
      const s = setup();
      replies(s, c.method, c.path, { status: c.status, body: c.body });
      const error = await failure(c.call(s.provider));
      expect(error.message).toBe(c.message);
      expect(error.status).toBe(c.status);
      expect(s.requests).toHaveLength(1);
      expectNoToken(error);
    });
  }
});

describe('the token never shows in an error', () => {
  it('is cut out of a server message that echoes it', async () => {
    const s = setup();
    replies(s, 'GET', '/v1/roles', { status: 401, body: errorBody('unauthorized', `bad header: Authorization: Bearer ${TOKEN}`) });
    const error = await failure(s.provider.roles());
    expect(error.message).toContain('Bearer [redacted]');
    expectNoToken(error);
  });

  it('is cut out of a transport error message that contains it', async () => {
    const s = setup({ maxAttempts: 1 });
    replies(s, 'GET', '/v1/roles', new Error(`weird failure with authorization=${TOKEN}`));
    const error = await failure(s.provider.roles());
    expect(error.message).toBe(`cannot reach key service at ${ORIGIN}: weird failure with authorization=[redacted] (GET /v1/roles)`);
    expectNoToken(error);
  });

  it('is absent from connection failures, exhausted retries and the provider itself', async () => {
    const s = setup({ maxAttempts: 2 });
    replies(s, 'GET', '/v1/roles', connectionError('ECONNRESET', `reset while sending Bearer ${TOKEN}`), connectionError('ECONNRESET'));
    replies(s, 'GET', '/v1/capabilities', { status: 500 }, { status: 500 });
    expectNoToken(await failure(s.provider.roles()));
    expectNoToken(await failure(s.provider.capabilities()));
    expect(inspect(s.provider, { depth: 20, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(s.provider)).not.toContain(TOKEN);
  });
});

describe('timeouts', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('gives up on a server that never answers, after retrying, and says how long it waited', async () => {
    // A real socket: undici's MockAgent does not apply headersTimeout.
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sleeps: number[] = [];
    const provider = new HttpProvider({
      name: 'slow',
      url,
      token: new Secret(TOKEN),
      tokenEnv: 'KEYPLAN_TOKEN',
      timeoutMs: 150,
      retry: { maxAttempts: 2 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    try {
      const error = await failure(provider.roles());
      expect(error.message).toBe(`the key service at ${url} did not answer within 150 ms: UND_ERR_HEADERS_TIMEOUT (GET /v1/roles, 2 attempts)`);
      expect(error.code).toBe('UND_ERR_HEADERS_TIMEOUT');
      expect(sleeps).toHaveLength(1);
      expectNoToken(error);
    } finally {
      await provider.close();
    }
  });
});

describe('openProvider', () => {
  const config: ProviderConfig = { name: 'prod', type: 'http', settings: { url: ORIGIN, tokenEnv: 'KEYS_TOKEN' }, source };

  it('reads the token from the variable token_env names', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    agent = mock;
    let authorization: unknown;
    mock
      .get(ORIGIN)
      .intercept({ method: 'GET', path: '/v1/roles' })
      .reply(({ headers }) => {
        authorization = (headers as Record<string, string>).authorization;
        return { statusCode: 200, data: { roles: [{ name: 'ADMIN', description: 'all', permissions: ['*'] }] } };
      });
    const provider = await openProvider(config, { env: { KEYS_TOKEN: TOKEN }, dispatcher: mock });
    expect(provider.name).toBe('prod');
    expect(provider.description).toBe(ORIGIN);
    expect(await provider.roles()).toEqual([{ name: 'ADMIN', description: 'all', permissions: ['*'] }]);
    expect(authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('names the missing variable', async () => {
    const open = () => openProvider(config, { env: {} });
    await expect(open()).rejects.toThrow(KeyplanError);
    await expect(open()).rejects.toThrow(`provider "prod" (${ORIGIN}) needs a key service token in the environment variable KEYS_TOKEN, which is not set`);
    await expect(openProvider(config, { env: { KEYS_TOKEN: '  ' } })).rejects.toThrow(/KEYS_TOKEN/);
  });
});
