import { inject } from 'vitest';
import { createDatabase, runSql } from './pg-cluster.mjs';

export { runSql };

/** A new empty database on the run's shared throwaway cluster (see pg-global-setup.ts); returns its URL. */
export function freshDatabase(prefix = 'kp'): Promise<string> {
  return createDatabase(inject('pgAdminUrl'), prefix);
}

/** Every row of every table of the database at `url`, per table, as bytes (bytea columns raw): for scans for leaked secrets. */
export async function databaseContents(url: string): Promise<Map<string, Buffer>> {
  const tables = await runSql<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  const contents = new Map<string, Buffer>();
  for (const { tablename } of tables) {
    const rows = await runSql<Record<string, unknown>>(url, `SELECT * FROM ${tablename}`);
    const parts = rows.flatMap((row) => Object.values(row).map((value) => (Buffer.isBuffer(value) ? value : Buffer.from(`${JSON.stringify(value)}\t`))));
    contents.set(tablename, Buffer.concat(parts));
  }
  return contents;
}
