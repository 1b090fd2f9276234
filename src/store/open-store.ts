import { PgStore, type PgStoreOptions } from './postgres/pg-store.js';
import { isPostgresUrl } from './postgres/pool.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './contract.js';

/** The pool options only apply to PostgreSQL; SQLite keeps its pepper beside the file unless one is given. */
export type OpenStoreOptions = PgStoreOptions;

/** `postgres://…` or `postgresql://…` opens PostgreSQL; anything else is a SQLite file path. */
export async function openStore(db: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(db)) return PgStore.open(db, options);
  const { poolSize: _poolSize, statementTimeoutMs: _statementTimeoutMs, connectTimeoutMs: _connectTimeoutMs, ...sqliteOptions } = options;
  return SqliteStore.open(db, sqliteOptions);
}
