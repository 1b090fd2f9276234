import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { KeyplanError } from '../../core/errors.js';
import { sameHash } from '../shared/secrets.js';
import { migrate } from './migrations.js';
import { pepperCheckValue } from '../shared/pepper-check.js';
import { loadPepper } from './pepper-file.js';

/** An open, migrated SQLite database and the pepper its keys are hashed with. */
export interface OpenedDatabase {
  db: Database.Database;
  pepper: Buffer;
  /** True when this open made a new database file. */
  created: boolean;
}

/**
 * Opens (or creates) the database. Its files are kept mode 0600, deleted content is
 * overwritten (secure_delete), and the pepper must be the one its keys were hashed with:
 * a database remembers a check value of its pepper and refuses any other.
 */
export function openDatabase(path: string, explicitPepper: Buffer | string | undefined): OpenedDatabase {
  const inMemory = path === ':memory:';
  const created = inMemory || isNewFile(path);
  if (!inMemory) {
    mkdirSync(dirname(path), { recursive: true });
    if (created) closeSync(openSync(path, 'a', 0o600));
  }
  const db = new (sqlite())(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    migrate(db, path);
    if (!inMemory) restrictModes(path);
    const pepper = checkedPepper(db, path, explicitPepper);
    return { db, pepper, created: created && !inMemory };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * better-sqlite3 loads (a native module) when a store opens, not when keyplan starts: plan, apply and audit
 * over http never open one. It is CommonJS, so it loads synchronously, as open() needs.
 */
function sqlite(): typeof Database {
  return createRequire(import.meta.url)('better-sqlite3') as typeof Database;
}

/** Missing, or empty (a database whose creation failed, e.g. on a full disk). */
function isNewFile(path: string): boolean {
  try {
    return statSync(path).size === 0;
  } catch {
    return true;
  }
}

/** Database, WAL and shared-memory files readable by the owner only (SQLite gives -wal and -shm the database's mode). */
function restrictModes(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * The pepper for this database, checked against the check value it stores. A database
 * that holds keys never gets a fresh pepper: a missing or different one refuses to start.
 */
function checkedPepper(db: Database.Database, path: string, explicit: Buffer | string | undefined): Buffer {
  const stored = db.prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE name = 'pepper_check'").get()?.value;
  const hasKeys = db.prepare('SELECT 1 FROM keys LIMIT 1').get() !== undefined || db.prepare('SELECT 1 FROM shared_secret LIMIT 1').get() !== undefined;
  const { pepper, source } = loadPepper(path, explicit, stored === undefined && !hasKeys);
  const check = pepperCheckValue(pepper);
  if (stored === undefined) {
    db.prepare("INSERT OR IGNORE INTO meta (name, value) VALUES ('pepper_check', ?)").run(check);
  } else if (!sameHash(stored, check)) {
    const where = source.endsWith('.pepper') ? `Restore ${source} from the backup made together with this database` : `Set ${source} back to the value this database was created with`;
    throw new KeyplanError(
      `the pepper from ${source} is not the one the keys in ${path} were hashed with, so no key would authenticate. ${where} (or point --db at the database that belongs to this pepper).`,
    );
  }
  return pepper;
}
