import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type OpenStoreOptions } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/contract.js';
import { freshDatabase, runSql } from '../helpers/postgres.js';

/** One store implementation under test: how to open it on a fresh database, and how to peek at its rows. */
export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  /** Where the database is: a file path or a postgres:// URL (what `--db` takes). */
  readonly db: string;
  open(options?: OpenStoreOptions): Promise<Store>;
  /** One column of one row as stored (not as the store answers). */
  stored(table: string, column: string, where: string, value: unknown): Promise<unknown>;
  count(table: string): Promise<number>;
  dispose(): Promise<void>;
}

export const BACKENDS = ['sqlite', 'postgres'] as const;

export async function makeBackend(name: (typeof BACKENDS)[number]): Promise<Backend> {
  const opened: Store[] = [];
  const track = async (store: Promise<Store>) => {
    const ready = await store;
    opened.push(ready);
    return ready;
  };
  const closeAll = async () => {
    for (const store of opened.splice(0)) await store.close();
  };
  if (name === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'keyplan-store-'));
    const db = join(dir, 'sub', 'keys.db');
    const read = <T>(query: string, ...values: unknown[]) => {
      const handle = new Database(db, { readonly: true });
      try {
        return handle.prepare(query).get(...values) as T;
      } finally {
        handle.close();
      }
    };
    return {
      name,
      db,
      open: (options = {}) => track(openStore(db, options)),
      stored: async (table, column, where, value) => read<Record<string, unknown>>(`SELECT ${column} FROM ${table} WHERE ${where} = ?`, value)?.[column],
      count: async (table) => read<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).n,
      dispose: async () => {
        await closeAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await freshDatabase();
  return {
    name,
    db,
    open: (options = {}) => track(openStore(db, options)),
    stored: async (table, column, where, value) => {
      const rows = await runSql<Record<string, unknown>>(db, `SELECT ${column} FROM ${table} WHERE ${where} = $1`, [value]);
      const result = rows[0]?.[column];
      return typeof result === 'string' && /^\d+$/.test(result) ? Number(result) : result;
    },
    count: async (table) => Number((await runSql<{ n: string }>(db, `SELECT count(*) AS n FROM ${table}`))[0]?.n),
    dispose: closeAll,
  };
}
