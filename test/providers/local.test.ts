import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { LocalProvider, toRemoteKey } from '../../src/providers/local/local.js';
import type { CreateKeyInput, Provider } from '../../src/providers/provider.js';

const DAY = 86_400_000;
const START = Date.parse('2025-06-01T12:00:00Z');
const PEPPER = 'a-test-pepper-of-enough-bytes-0123456789';

let dir: string;
let now: number;
let provider: Provider;
/** Every secret a test was given, to prove none of them reached the database files. */
const secrets: string[] = [];

function input(overrides: Partial<CreateKeyInput> = {}): CreateKeyInput {
  return {
    name: 'billing',
    description: 'Reads invoices',
    roles: ['READONLY'],
    metadata: { 'managed-by': 'keyplan' },
    idempotencyKey: `idem-${overrides.name ?? 'billing'}`,
    ...overrides,
  };
}

async function create(overrides: Partial<CreateKeyInput> = {}) {
  const created = await provider.create(input(overrides));
  secrets.push(created.secret.reveal());
  return created;
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

function open(path = join(dir, 'nested', '.keyplan', 'keys.db')): Provider {
  return LocalProvider.open({ name: 'default', path, pepper: PEPPER, clock: () => now });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-local-'));
  now = START;
  secrets.length = 0;
  provider = open();
});

afterEach(async () => {
  await provider.close();
  for (const file of readdirSync(join(dir, 'nested', '.keyplan'))) {
    const bytes = readFileSync(join(dir, 'nested', '.keyplan', file));
    for (const secret of secrets) expect(bytes.includes(secret), `${file} holds a secret`).toBe(false);
  }
  await rm(dir, { recursive: true, force: true });
});

describe('local provider', () => {
  it('creates the database directory and describes itself by path', () => {
    expect(existsSync(join(dir, 'nested', '.keyplan', 'keys.db'))).toBe(true);
    expect(provider.name).toBe('default');
    expect(provider.description).toBe(`local store ${join(dir, 'nested', '.keyplan', 'keys.db')}`);
  });

  it('creates, lists, updates and revokes a key', async () => {
    const created = await create();
    expect(created.replayed).toBe(false);
    expect(created.secret.reveal()).toMatch(/^kp_/);
    expect(created.key).toMatchObject({
      name: 'billing',
      description: 'Reads invoices',
      roles: ['READONLY'],
      createdAt: START,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      metadata: { 'managed-by': 'keyplan' },
      etag: '"1"',
    });
    expect(created.secret.reveal().startsWith(created.key.prefix)).toBe(true);

    expect(await provider.list()).toEqual([created.key]);

    const updated = await provider.update(created.key.id, { description: 'Reads and exports invoices', roles: ['ADMIN'] }, created.key.etag);
    expect(updated).toMatchObject({ description: 'Reads and exports invoices', roles: ['ADMIN'], etag: '"2"' });

    now = START + DAY;
    const revoked = await provider.revoke(created.key.id);
    expect(revoked.revokedAt).toBe(START + DAY);
    expect(await provider.list()).toEqual([]);
    expect((await provider.revoke(created.key.id)).revokedAt).toBe(START + DAY);
  });

  it('replays a create with the same idempotency key, secret included', async () => {
    const first = await create();
    const again = await create();
    expect(again.replayed).toBe(true);
    expect(again.key.id).toBe(first.key.id);
    expect(again.secret.reveal()).toBe(first.secret.reveal());
    expect(await provider.list()).toHaveLength(1);
  });

  it('refuses an idempotency key reused for a different key', async () => {
    await create();
    const error = await failure(provider.create(input({ name: 'other', idempotencyKey: 'idem-billing' })));
    expect(error.status).toBe(422);
    expect(error.message).toBe('cannot create key "other": this Idempotency-Key was already used for a different request');
  });

  it('encodes each kind of expiry', async () => {
    const relative = await create({ name: 'r', expires: { kind: 'relative', ms: 90 * DAY, text: '90d' } });
    const at = Date.parse('2027-06-30T23:59:59.999Z');
    const absolute = await create({ name: 'a', expires: { kind: 'absolute', at, text: '2027-06-30' } });
    const never = await create({ name: 'n', expires: { kind: 'never' } });
    expect(relative.key.expiresAt).toBe(START + 90 * DAY);
    expect(absolute.key.expiresAt).toBe(at);
    expect(never.key.expiresAt).toBeNull();
  });

  it('maps store refusals to ProviderErrors with HTTP-like statuses', async () => {
    const { key } = await create();

    const duplicate = await failure(provider.create(input({ idempotencyKey: 'another' })));
    expect([duplicate.status, duplicate.code]).toEqual([409, 'conflict']);
    expect(duplicate.message).toMatch(/^cannot create key "billing": /);

    const unknownRole = await failure(create({ name: 'x', roles: ['WIZARD'] }));
    expect(unknownRole.status).toBe(422);
    expect(unknownRole.message).toContain('WIZARD');

    await provider.update(key.id, { description: 'changed' }, key.etag);
    const stale = await failure(provider.update(key.id, { description: 'again' }, key.etag));
    expect([stale.status, stale.code]).toEqual([412, 'precondition_failed']);
    expect(stale.message).toBe(`cannot update key ${key.id}: key ${key.id} changed since it was read (now version 2)`);

    const foreignEtag = await failure(provider.update(key.id, { description: 'again' }, 'W/"abc"'));
    expect(foreignEtag.status).toBe(412);

    const missing = await failure(provider.revoke('key_nope'));
    expect([missing.status, missing.code]).toEqual([404, 'not_found']);
    expect(missing.message).toMatch(/^cannot revoke key key_nope: /);

    await provider.revoke(key.id);
    const revoked = await failure(provider.update(key.id, { description: 'late' }));
    expect(revoked.status).toBe(409);
  });

  it('lists every page of a store with more keys than one page holds', async () => {
    const count = 1005;
    for (let i = 0; i < count; i++) await create({ name: `k${i}`, idempotencyKey: `i${i}` });
    const keys = await provider.list();
    expect(keys).toHaveLength(count);
    expect(new Set(keys.map((k) => k.id)).size).toBe(count);
  });

  it('reports roles and capabilities of the store', async () => {
    expect((await provider.roles()).map((r) => r.name)).toEqual(['ADMIN', 'READONLY']);
    expect(await provider.capabilities()).toMatchObject({ editableFields: ['name', 'description', 'roles', 'metadata'], metadata: true });
  });

  it('keeps keys across reopening the file', async () => {
    const { key } = await create();
    await provider.close();
    provider = open();
    expect((await provider.list()).map((k) => k.id)).toEqual([key.id]);
  });

  it('says which file it could not open', async () => {
    const error = (() => {
      try {
        open(join(dir, 'nested'));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(new RegExp(`^cannot open the local store ${join(dir, 'nested')}: `));
  });
});

describe('a store key as the local provider gives it', () => {
  it('carries its version as the etag, for the first versions and any other', () => {
    const key = { id: 'key_1', name: 'A', description: '', roles: ['READONLY'], prefix: 'kp_x', createdAt: 1, expiresAt: null, lastUsedAt: null, revokedAt: null, metadata: {} };
    for (const version of [0, 1, 2, 1023, 1024, 123_456, 2 ** 40]) {
      expect(toRemoteKey({ ...key, version }).etag).toBe(`"${version}"`);
      expect(toRemoteKey({ ...key, version }).etag, 'again').toBe(`"${version}"`);
    }
  });
});
