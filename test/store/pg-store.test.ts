import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PG_SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { StoreUnavailableError } from '../../src/store/storage-errors.js';
import { PgCluster } from '../helpers/pg-cluster.mjs';
import { freshDatabase, runSql } from '../helpers/postgres.js';

const PEPPER = 'a-test-pepper-of-enough-bytes';
let url: string;
const opened: PgStore[] = [];

async function open(options: Parameters<typeof PgStore.open>[1] = {}): Promise<PgStore> {
  const store = await PgStore.open(url, { pepper: PEPPER, ...options });
  opened.push(store);
  return store;
}

beforeEach(async () => {
  url = await freshDatabase();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

describe('PgStore: the database side', () => {
  it('migrates once when instances start together, under an advisory lock', async () => {
    await Promise.all(Array.from({ length: 5 }, () => open()));
    const rows = await runSql<{ version: number }>(url, 'SELECT version FROM keyplan_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('refuses a database from a newer keyplan, with the versions in the message', async () => {
    await (await open()).close();
    await runSql(url, 'INSERT INTO keyplan_migrations (version) VALUES ($1)', [PG_SCHEMA_VERSION + 1]);
    await expect(open()).rejects.toThrow(`the database has schema version ${PG_SCHEMA_VERSION + 1}; this keyplan knows up to ${PG_SCHEMA_VERSION}. Upgrade keyplan.`);
  });

  it('requires KEYPLAN_PEPPER and refuses a pepper other than the one the database was created with', async () => {
    const saved = process.env.KEYPLAN_PEPPER;
    delete process.env.KEYPLAN_PEPPER;
    try {
      await expect(PgStore.open(url)).rejects.toThrow(/set KEYPLAN_PEPPER/);
    } finally {
      if (saved !== undefined) process.env.KEYPLAN_PEPPER = saved;
    }
    await (await open()).close();
    await expect(open({ pepper: 'another-pepper-of-enough-bytes' })).rejects.toThrow(/is not the pepper this database was created with/);
    await expect(open({ pepper: 'short' })).rejects.toThrow(/at least 16 bytes/);
  });

  it('makes one key from 50 concurrent creates with one Idempotency-Key over two stores', async () => {
    const [a, b] = [await open(), await open()];
    const input = { name: 'once', roles: ['READONLY'], idempotencyKey: 'apply-42', actor: 'bootstrap' };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).createKey(input)));
    expect(new Set(results.map((result) => result.key.id)).size).toBe(1);
    expect(new Set(results.map((result) => result.secret.reveal())).size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(Number((await runSql<{ n: string }>(url, 'SELECT count(*) AS n FROM keys'))[0]?.n)).toBe(1);
  });

  it('lets exactly one of many concurrent creates of one name win, across stores', async () => {
    const [a, b] = [await open(), await open()];
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).createKey({ name: 'contested', roles: [] })));
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'conflict' });
  });

  it('applies exactly one of concurrent If-Match updates of one version, across stores', async () => {
    const [a, b] = [await open(), await open()];
    const { key } = await a.createKey({ name: 'raced', roles: [] });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).updateKey(key.id, { description: `writer ${i}` }, { ifVersion: key.version })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'precondition_failed' });
    expect((await b.getKey(key.id))?.version).toBe(key.version + 1);
  });

  it('answers StoreUnavailableError while PostgreSQL is stopped, and recovers by itself when it is back', async () => {
    const cluster = await PgCluster.start();
    try {
      url = await cluster.createDatabase();
      const store = await open({ connectTimeoutMs: 2_000 });
      const { key, secret } = await store.createKey({ name: 'survivor', roles: [] });
      await cluster.stopServer();
      await expect(store.listKeys({ limit: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ready()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.createKey({ name: 'while-down', roles: [] })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.revokeKey(key.id)).rejects.toBeInstanceOf(StoreUnavailableError);
      await cluster.startServer();
      await store.ready();
      expect((await store.authenticate(secret.reveal())).ok).toBe(true);
      expect((await store.listKeys({ limit: 5 })).keys.map((listed) => listed.name)).toEqual(['survivor']);
      await store.close();
    } finally {
      await cluster.destroy();
    }
  });

  it('honours sslmode in the URL: require refuses a server without TLS', async () => {
    const tls = new URL(url);
    tls.searchParams.set('sslmode', 'require');
    await expect(PgStore.open(tls.toString(), { pepper: PEPPER })).rejects.toThrow(/does not support SSL/);
    const plain = new URL(url);
    plain.searchParams.set('sslmode', 'disable');
    opened.push(await PgStore.open(plain.toString(), { pepper: PEPPER }));
  });
});
