import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { KeyStore } from '../../src/store/sqlite/key-store.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';

let dir: string;
let dbPath: string;
let now: number;
const clock = () => now;
const stores: KeyStore[] = [];

function open(options: Parameters<typeof KeyStore.open>[1] = {}): KeyStore {
  const store = KeyStore.open(dbPath, { clock, pepper: 'a-test-pepper-of-enough-bytes', ...options });
  stores.push(store);
  return store;
}

function storedLastUse(id: string): number | null {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT last_used_at FROM keys WHERE id = ?').get(id) as { last_used_at: number | null }).last_used_at;
  } finally {
    db.close();
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-store-'));
  dbPath = join(dir, 'sub', 'keys.db');
  now = Date.parse('2030-01-01T00:00:00Z');
});
afterEach(async () => {
  for (const store of stores.splice(0)) store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('KeyStore', () => {
  it('creates the database with WAL and the current schema version', () => {
    open();
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database from a newer keyplan', () => {
    open().close();
    const db = new Database(dbPath);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open()).toThrow(/schema version/);
  });

  it('returns the secret as a redacted Secret that authenticates the key', () => {
    const store = open();
    const { key, secret } = store.createKey({ name: 'a', roles: ['READONLY'] });
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).not.toContain('kp_');
    const auth = store.authenticate(secret.reveal());
    expect(auth).toMatchObject({ ok: true, key: { id: key.id }, permissions: ['keys:read', 'roles:read'] });
    expect(store.authenticate(`${secret.reveal()}x`)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('replays a create with the same idempotency key without an HTTP actor (the local provider)', () => {
    const store = open();
    const input = { name: 'deployer', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' }, idempotencyKey: 'apply-1' };
    const first = store.createKey(input);
    const second = store.createKey({ ...input, metadata: { 'managed-by': 'keyplan' } });
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    expect(second.key.id).toBe(first.key.id);
    expect(second.secret.reveal()).toBe(first.secret.reveal());
    expect(() => store.createKey({ ...input, description: 'other' })).toThrow(StoreError);
  });

  it('replays after a restart, and forgets (purges) the sealed secret after 24 hours', () => {
    let store = open();
    const input = { name: 'later', roles: [], idempotencyKey: 'k' };
    const first = store.createKey(input);
    store.close();
    store = open();
    now += 23 * 3_600_000;
    expect(store.createKey(input).secret.reveal()).toBe(first.secret.reveal());
    now += 2 * 3_600_000;
    expect(() => store.createKey(input)).toThrow(/already exists/);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM idempotency').get()).toEqual({ n: 0 });
    db.close();
  });

  it('writes last use at most once a minute per key, shows the newest at once, and flushes on close', () => {
    let store = open();
    const { key, secret } = store.createKey({ name: 'used', roles: [] });
    const first = now;
    store.authenticate(secret.reveal());
    expect(storedLastUse(key.id)).toBe(first);
    now += 30_000;
    store.verify(secret.reveal());
    expect(storedLastUse(key.id)).toBe(first);
    expect(store.getKey(key.id)?.lastUsedAt).toBe(now);
    expect(store.listKeys({ limit: 10 }).keys[0]?.lastUsedAt).toBe(now);
    now += 31_000;
    store.flush();
    expect(storedLastUse(key.id)).toBe(now - 31_000);
    const last = now;
    now += 1000;
    store.authenticate(secret.reveal());
    store.close();
    expect(storedLastUse(key.id)).toBe(last + 1000);
    store = open();
    expect(store.getKey(key.id)?.lastUsedAt).toBe(last + 1000);
  });

  it('checks versions on update and keeps the version on no-op edits', () => {
    const store = open();
    const { key } = store.createKey({ name: 'v', roles: [] });
    expect(store.updateKey(key.id, { description: 'd' }, { ifVersion: 1 }).version).toBe(2);
    expect(() => store.updateKey(key.id, { description: 'e' }, { ifVersion: 1 })).toThrow(expect.objectContaining({ code: 'precondition_failed' }));
    expect(store.updateKey(key.id, { description: 'd' }).version).toBe(2);
  });

  it('honours the configured editable fields and expiration presets', () => {
    const store = open({ capabilities: { editableFields: ['description'], expiration: { mode: 'presets', presets: ['30d', '90d'] } } });
    expect(() => store.createKey({ name: 'p', roles: [] })).toThrow(/keys must expire; accepted: 30d, 90d/);
    expect(() => store.createKey({ name: 'p', roles: [], expiresIn: '45d' })).toThrow(/accepted: 30d, 90d/);
    const { key } = store.createKey({ name: 'p', roles: [], expiresIn: '90d' });
    expect(key.expiresAt).toBe(now + 90 * 86_400_000);
    expect(() => store.updateKey(key.id, { name: 'q' })).toThrow(/not editable/);
    expect(store.capabilities()).toEqual({ editableFields: ['description'], expiration: { mode: 'presets', presets: ['30d', '90d'] }, metadata: true });
  });

  it('lists keys page by page in creation order, every field read back, revoked keys only on request', () => {
    const store = open();
    const created = ['a', 'b', 'c', 'd', 'e'].map((name, i) => {
      now += 1000;
      return store.createKey({ name, description: `key ${name}`, roles: i % 2 ? ['ADMIN', 'READONLY'] : [], metadata: { n: String(i) } }).key;
    });
    store.revokeKey(created[1]?.id as string);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = store.listKeys({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.keys.length).toBeLessThanOrEqual(2);
      seen.push(...page.keys.map((key) => key.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['a', 'c', 'd', 'e']);

    const all = store.listKeys({ limit: 10, includeRevoked: true });
    expect(all.nextCursor).toBeNull();
    expect(all.keys.map((key) => key.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(all.keys[3]).toEqual(store.getKey(created[3]?.id as string));
    expect(all.keys[3]).toMatchObject({ description: 'key d', roles: ['ADMIN', 'READONLY'], metadata: { n: '3' }, expiresAt: null, lastUsedAt: null, version: 1 });
    expect(all.keys[1]?.revokedAt).not.toBeNull();
  });

  it('commits a batch of creates at once, or none of them when the batch fails', () => {
    const store = open();
    store.batch(() => {
      for (const name of ['one', 'two']) store.createKey({ name, roles: [] });
    });
    expect(() =>
      store.batch(() => {
        store.createKey({ name: 'three', roles: [] });
        store.createKey({ name: 'one', roles: [] });
      }),
    ).toThrow(/already exists/);
    expect(store.listKeys({ limit: 10 }).keys.map((key) => key.name)).toEqual(['one', 'two']);
  });

  it('keeps its pepper beside the database with mode 0600 when none is given', async () => {
    const store = KeyStore.open(dbPath, { clock });
    stores.push(store);
    const { secret } = store.createKey({ name: 'peppered', roles: [] });
    expect(((await stat(`${dbPath}.pepper`)).mode & 0o777).toString(8)).toBe('600');
    expect((await readFile(`${dbPath}.pepper`, 'utf8')).trim()).toHaveLength(64);
    store.close();
    const reopened = KeyStore.open(dbPath, { clock });
    stores.push(reopened);
    expect(reopened.authenticate(secret.reveal()).ok).toBe(true);
  });
});
