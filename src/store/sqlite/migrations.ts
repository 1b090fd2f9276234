import type Database from 'better-sqlite3';
import { KeyplanError } from '../../core/errors.js';

/** Migration N (1-based) brings the schema from user_version N-1 to N. Append only. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    roles TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER,
    metadata TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1
  );
  CREATE UNIQUE INDEX keys_active_name ON keys(name) WHERE revoked_at IS NULL;
  CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    key_id TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, idem_key)
  );
  CREATE INDEX idempotency_created ON idempotency(created_at);
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    key_id TEXT,
    details TEXT
  );
  CREATE TABLE shared_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    prefix TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    rotated_at INTEGER NOT NULL
  );
  `,
  // 2: a check value of the pepper; replay copies are now sealed under the caller's credential,
  // so the older ones (sealed under the pepper) are dropped.
  `
  CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
  );
  DELETE FROM idempotency;
  `,
  // 3: apply leases, one per ownership.
  `
  CREATE TABLE leases (
    ownership TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    holder TEXT NOT NULL,
    actor TEXT NOT NULL,
    acquired_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new KeyplanError(`${file}: the database has schema version ${current}; this keyplan knows up to ${SCHEMA_VERSION}. Upgrade keyplan.`);
  }
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const locked = db.pragma('user_version', { simple: true }) as number;
    for (let version = locked; version < SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version] as string);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
