import type pg from 'pg';
import { KeyplanError } from '../../core/errors.js';

/**
 * Migration N (1-based) brings the schema from version N-1 to N. Append only; never edit a released one.
 * Times are epoch milliseconds (bigint), as in the SQLite store, so both stores read the same.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE keys (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    roles jsonb NOT NULL,
    prefix text NOT NULL,
    secret_hash bytea NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    last_used_at bigint,
    revoked_at bigint,
    metadata jsonb NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT keys_secret_hash UNIQUE (secret_hash)
  );
  CREATE UNIQUE INDEX keys_active_name ON keys (name) WHERE revoked_at IS NULL;
  CREATE TABLE idempotency (
    scope text NOT NULL,
    idem_key text NOT NULL,
    request_hash text NOT NULL,
    key_id text NOT NULL,
    sealed_secret bytea NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (scope, idem_key)
  );
  CREATE INDEX idempotency_created ON idempotency (created_at);
  CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    key_id text,
    details jsonb
  );
  CREATE TABLE shared_secret (
    id integer PRIMARY KEY CHECK (id = 1),
    prefix text NOT NULL,
    secret_hash bytea NOT NULL,
    created_at bigint NOT NULL,
    rotated_at bigint NOT NULL
  );
  CREATE TABLE settings (
    name text PRIMARY KEY,
    value text NOT NULL
  );
  `,
  // 2: apply leases, one per ownership, shared by every instance.
  `
  CREATE TABLE leases (
    ownership text PRIMARY KEY,
    id text NOT NULL UNIQUE,
    holder text NOT NULL,
    actor text NOT NULL,
    acquired_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  `,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** Any 64-bit number unlikely to be used by another application on the same database. */
const MIGRATION_LOCK = 0x6b706c616e; // "kplan"

/**
 * Brings the database to PG_SCHEMA_VERSION. Runs under a session advisory lock, so instances starting
 * together migrate one after the other (the later ones find nothing to do); each migration is one
 * transaction with its version row. A database newer than this binary is refused, untouched.
 */
export async function migratePostgres(pool: pg.Pool, where: string): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS keyplan_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM keyplan_migrations');
      const current = rows[0]?.version ?? 0;
      if (current > PG_SCHEMA_VERSION) {
        throw new KeyplanError(`${where}: the database has schema version ${current}; this keyplan knows up to ${PG_SCHEMA_VERSION}. Upgrade keyplan.`);
      }
      for (let version = current; version < PG_SCHEMA_VERSION; version++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[version] as string);
          await client.query('INSERT INTO keyplan_migrations (version) VALUES ($1)', [version + 1]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
      return { from: current, to: PG_SCHEMA_VERSION };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
