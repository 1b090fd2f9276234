import type Database from 'better-sqlite3';
import { KEY_COLUMNS, type KeyRow, type KeyValues } from './rows.js';

type Statement<Params extends unknown[], Row = unknown> = Database.Statement<Params, Row>;

/** The key table's statements, prepared once per database. */
export interface KeyStatements {
  byId: Statement<[string], KeyRow>;
  bySecretHash: Statement<[Buffer], KeyRow & { secret_hash: Buffer }>;
  activeByName: Statement<[string], { id: string }>;
  pageActive: Statement<[number, number], KeyValues>;
  pageAll: Statement<[number, number], KeyValues>;
  insert: Statement<[Record<string, unknown>]>;
  update: Statement<[Record<string, unknown>]>;
  revoke: Statement<[number, string]>;
  writeLastUse: Statement<[number, number, string]>;
}

export function prepareStatements(db: Database.Database): KeyStatements {
  return {
    byId: db.prepare<[string], KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = ?`),
    bySecretHash: db.prepare<[Buffer], KeyRow & { secret_hash: Buffer }>(`SELECT ${KEY_COLUMNS}, secret_hash FROM keys WHERE secret_hash = ?`),
    activeByName: db.prepare<[string], { id: string }>('SELECT id FROM keys WHERE name = ? AND revoked_at IS NULL'),
    pageActive: db.prepare<[number, number], KeyValues>(`SELECT ${KEY_COLUMNS} FROM keys WHERE seq > ? AND revoked_at IS NULL ORDER BY seq LIMIT ?`).raw(),
    pageAll: db.prepare<[number, number], KeyValues>(`SELECT ${KEY_COLUMNS} FROM keys WHERE seq > ? ORDER BY seq LIMIT ?`).raw(),
    insert: db.prepare(
      `INSERT INTO keys (id, name, description, roles, prefix, secret_hash, created_at, expires_at, metadata)
       VALUES (@id, @name, @description, @roles, @prefix, @secret_hash, @created_at, @expires_at, @metadata)`,
    ),
    update: db.prepare(
      'UPDATE keys SET name = @name, description = @description, roles = @roles, metadata = @metadata, version = version + 1 WHERE id = @id',
    ),
    revoke: db.prepare('UPDATE keys SET revoked_at = ?, version = version + 1 WHERE id = ?'),
    writeLastUse: db.prepare<[number, number, string]>(
      'UPDATE keys SET last_used_at = ? WHERE (last_used_at IS NULL OR last_used_at < ?) AND id = ?',
    ),
  };
}
