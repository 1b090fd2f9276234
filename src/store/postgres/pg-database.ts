import type pg from 'pg';
import type { StoreEvent } from '../contract.js';
import { asStorageFailure } from './pool.js';

/**
 * The pool, with every error leaving as the store's kinds (StorageFailure) and a transaction that is
 * rolled back on any failure (a connection whose rollback failed is discarded, not reused).
 */
export class PgDatabase {
  constructor(readonly pool: pg.Pool) {}

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw asStorageFailure(error);
    }
  }

  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asStorageFailure(error);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw asStorageFailure(error);
    } finally {
      client.release(broken);
    }
  }
}

export async function recordEvent(client: pg.PoolClient, event: Omit<StoreEvent, 'id'>): Promise<void> {
  await client.query('INSERT INTO events (at, actor, action, key_id, details) VALUES ($1, $2, $3, $4, $5)', [
    event.at,
    event.actor,
    event.action,
    event.keyId,
    event.details === null ? null : JSON.stringify(event.details),
  ]);
}

/** A page of the event log. */
export async function listEvents(db: PgDatabase, options: { limit: number; after: number }): Promise<StoreEvent[]> {
  const rows = await db.query<{ id: number; at: number; actor: string; action: StoreEvent['action']; key_id: string | null; details: Record<string, unknown> | null }>(
    'SELECT id, at, actor, action, key_id, details FROM events WHERE id > $1 ORDER BY id LIMIT $2',
    [options.after, options.limit],
  );
  return rows.map((row) => ({ id: row.id, at: row.at, actor: row.actor, action: row.action, keyId: row.key_id, details: row.details }));
}
