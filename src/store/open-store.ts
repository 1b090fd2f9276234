import type { RoleCatalog } from '../core/permissions.js';
import { PgStore } from './postgres/pg-store.js';
import { isPostgresUrl, type PgPoolOptions } from './postgres/pool.js';
import type { CapabilitiesConfig } from './service-config.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions extends PgPoolOptions {
  pepper?: Buffer | string;
  roles?: RoleCatalog;
  capabilities?: CapabilitiesConfig;
  clock?: () => number;
  lastUseWriteIntervalMs?: number;
  log?: (line: string) => void;
}

/** `postgres://…` or `postgresql://…` opens PostgreSQL; anything else is a SQLite file path. */
export async function openStore(db: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(db)) return PgStore.open(db, options);
  const { roles, capabilities, clock, pepper, lastUseWriteIntervalMs } = options;
  return SqliteStore.open(db, {
    ...(roles ? { roles } : {}),
    ...(capabilities ? { capabilities } : {}),
    ...(clock ? { clock } : {}),
    ...(pepper !== undefined ? { pepper } : {}),
    ...(lastUseWriteIntervalMs !== undefined ? { lastUseWriteIntervalMs } : {}),
  });
}
