/** The http provider against the real key service (`startServer`) on 127.0.0.1. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import type { ProviderConfig } from '../../src/core/model.js';
import { openHttp } from '../../src/providers/http/open.js';
import { KEY_SERVICE_TRAITS } from '../../src/providers/key-service-traits.js';
import type { CreateKeyInput, Provider } from '../../src/providers/provider.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

const ADMIN_KEY = 'kp_bootstrap_admin_0123456789abcdefghijklmnop';
const source = { file: 'keys.yaml', line: 1, column: 1 };
const DAY = 86_400_000;

let dir: string;
let server: RunningServer;
const logLines: string[] = [];
/** Every secret in play, to prove none of them reaches an error message or the server log. */
const secrets: string[] = [ADMIN_KEY];
const opened: Provider[] = [];

function connect(token: string, url = server.url): Provider {
  const config: ProviderConfig = { name: 'prod', type: 'http', settings: { url, tokenEnv: 'KEYPLAN_TOKEN' }, source };
  const provider = openHttp(config, { env: { KEYPLAN_TOKEN: token }, retry: { maxAttempts: 2 }, sleep: async () => undefined });
  opened.push(provider);
  return provider;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  for (const form of [String(error), inspect(error, { showHidden: true }), JSON.stringify(error)]) {
    for (const secret of secrets) expect(form).not.toContain(secret);
  }
  return error as ProviderError;
}

function input(overrides: Partial<CreateKeyInput> = {}): CreateKeyInput {
  return {
    name: 'billing',
    description: 'Reads invoices',
    roles: ['READONLY'],
    expires: { kind: 'relative', ms: 90 * DAY, text: '90d' },
    metadata: { 'managed-by': 'keyplan' },
    idempotencyKey: 'apply-1/billing',
    ...overrides,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-http-serve-'));
  server = await startServer({
    dbPath: join(dir, 'keys.db'),
    port: 0,
    adminKey: ADMIN_KEY,
    pepper: 'a-test-pepper-of-enough-bytes-0123456789',
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await Promise.all(opened.map((p) => p.close()));
  await server.close();
  for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
  await rm(dir, { recursive: true, force: true });
});

describe('http provider against keyplan serve', () => {
  it('creates, replays, lists, updates and revokes keys', async () => {
    const admin = connect(ADMIN_KEY);
    expect(admin.description).toBe(server.url);
    expect((await admin.roles()).map((r) => r.name)).toEqual(['ADMIN', 'READONLY']);
    expect(await admin.capabilities()).toEqual({
      editableFields: ['name', 'description', 'roles', 'metadata'],
      expiration: { mode: 'any', maxMs: null, allowsNever: true },
      metadata: true,
      leases: true,
      ...KEY_SERVICE_TRAITS,
    });

    const created = await admin.create(input());
    secrets.push(created.secret.reveal());
    expect(created.replayed).toBe(false);
    expect(created.key).toMatchObject({ name: 'billing', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' }, lastUsedAt: null });
    expect(created.key.expiresAt).toBe(created.key.createdAt + 90 * DAY);

    const replay = await admin.create(input());
    expect(replay.replayed).toBe(true);
    expect(replay.key.id).toBe(created.key.id);
    expect(replay.secret.reveal()).toBe(created.secret.reveal());

    const reused = await failure(admin.create(input({ name: 'other' })));
    expect(reused.status).toBe(422);

    const duplicate = await failure(admin.create(input({ idempotencyKey: 'apply-2/billing' })));
    expect(duplicate.status).toBe(409);
    expect(duplicate.message).toMatch(/^cannot create key "billing": conflict: /);

    expect(await admin.list()).toEqual([created.key]);

    const updated = await admin.update(created.key.id, { description: 'Reads and exports invoices' }, created.key.etag);
    expect(updated.description).toBe('Reads and exports invoices');
    expect(updated.etag).not.toBe(created.key.etag);
    const stale = await failure(admin.update(created.key.id, { description: 'again' }, created.key.etag));
    expect(stale.status).toBe(412);

    const revoked = await admin.revoke(created.key.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await admin.revoke(created.key.id)).toEqual(revoked);
    expect(await admin.list()).toEqual([]);

    const missing = await failure(admin.revoke('key_does_not_exist'));
    expect(missing.message).toBe(`cannot revoke key key_does_not_exist: key key_does_not_exist does not exist at ${server.url}`);
  });

  it('lets a READONLY token list but not create', async () => {
    const admin = connect(ADMIN_KEY);
    const reader = await admin.create(input({ name: 'reader', idempotencyKey: 'reader', expires: { kind: 'never' } }));
    secrets.push(reader.secret.reveal());

    const readonly = connect(reader.secret.reveal());
    expect((await readonly.list()).map((k) => k.name)).toContain('reader');
    const denied = await failure(readonly.create(input({ name: 'sneaky', idempotencyKey: 'sneaky' })));
    expect([denied.status, denied.code]).toEqual([403, 'forbidden']);
    expect(denied.message).toBe(
      `the token lacks permission keys:create: cannot create key "sneaky" (token from $KEYPLAN_TOKEN, key service ${server.url})`,
    );
  });

  it('names the token variable when the token is rejected', async () => {
    const error = await failure(connect('kp_not_a_real_key_0000000000').list());
    expect(error.status).toBe(401);
    expect(error.message).toMatch(new RegExp(`^the key service at ${server.url} rejected the token in \\$KEYPLAN_TOKEN \\(cannot list keys\\)`));
  });

  it('says it cannot reach a service that is not listening', async () => {
    const elsewhere = await startServer({ dbPath: join(dir, 'gone.db'), port: 0, adminKey: ADMIN_KEY });
    const url = elsewhere.url;
    await elsewhere.close();
    const error = await failure(connect(ADMIN_KEY, url).list());
    expect(error.message).toBe(`cannot reach key service at ${url}: ECONNREFUSED (GET /v1/keys, 2 attempts)`);
  });
});
