import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { KeyplanError } from '../../core/errors.js';
import { sameHash } from '../shared/secrets.js';
import { migrate } from './migrations.js';
import { pepperCheckValue } from '../shared/pepper-check.js';
import { describeStorageError, failureKindOf } from './errors.js';
import { loadPepper } from './pepper-file.js';
import { databaseIsNew, refuseLostDatabase, refuseReadOnly, removeUnfinished } from './start-checks.js';

/** An open, migrated SQLite database and the pepper its keys are hashed with. */
export interface OpenedDatabase {
  db: Database.Database;
  pepper: Buffer;
  /** True when this open made a new database file. */
  created: boolean;
  /** What the integrity check found wrong (the database opened, but is damaged); undefined when it is sound. */
  damage: string | undefined;
}

export interface OpenDatabaseOptions {
  pepper?: Buffer | string | undefined;
  /** Create a new database even where a pepper file says one existed (`keyplan serve --init`). */
  init?: boolean | undefined;
}

/**
 * Opens (or creates) the database. Its files are kept mode 0600, deleted content is
 * overwritten (secure_delete), and the pepper must be the one its keys were hashed with:
 * a database remembers a check value of its pepper and refuses any other. A missing or
 * empty database beside its pepper, and a read-only one, are refused with what to do; an
 * existing one gets a quick integrity check (a damaged one opens, and says so in `damage`).
 * A database this open created and could not finish (a full disk) is removed again.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  const inMemory = path === ':memory:';
  const isNew = inMemory || databaseIsNew(path);
  let made = false;
  if (!inMemory) {
    refuseLostDatabase(path, isNew, options.init ?? false);
    if (!isNew) refuseReadOnly(path);
    mkdirSync(dirname(path), { recursive: true });
  }
  let db: Database.Database | undefined;
  try {
    if (isNew && !inMemory) made = createEmptyFile(path);
    db = new (sqlite())(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    const damage = isNew ? undefined : integrityProblem(db);
    if (damage === undefined) migrate(db, path);
    if (!inMemory) restrictModes(path);
    const pepper = damage === undefined ? checkedPepper(db, path, options.pepper) : pepperOfDamaged(path, options.pepper);
    return { db, pepper, created: isNew && !inMemory, damage };
  } catch (error) {
    db?.close();
    if (made) removeUnfinished(path);
    throw asStartRefusal(path, error);
  }
}

/** A database that cannot even be opened for being damaged (or not a database at all) is refused, saying what to do. */
export function asStartRefusal(path: string, error: unknown): unknown {
  if (failureKindOf(error) !== 'corrupt') return error;
  return new KeyplanError(
    `the database ${path} is damaged and cannot be opened (${describeStorageError(error)}): restore it from the backup made together with its pepper file.`,
  );
}

/** The file, made here (true), or made by another process a moment ago (false). */
function createEmptyFile(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx', 0o600));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** PRAGMA quick_check: undefined when the database is sound, else what it found (a few lines, joined). */
function integrityProblem(db: Database.Database): string | undefined {
  try {
    const findings = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((row) => row.quick_check);
    return findings.length === 1 && findings[0] === 'ok' ? undefined : `quick_check: ${findings.join('; ')}`;
  } catch (error) {
    if (failureKindOf(error) === 'corrupt') return describeStorageError(error);
    throw error;
  }
}

/** The pepper of a damaged database, never a new one; it serves nothing until restored, so its check value is not read. */
function pepperOfDamaged(path: string, explicit: Buffer | string | undefined): Buffer {
  return loadPepper(path, explicit, false).pepper;
}

/**
 * better-sqlite3 loads (a native module) when a store opens, not when keyplan starts: plan, apply and audit
 * over http never open one. It is CommonJS, so it loads synchronously, as open() needs.
 */
function sqlite(): typeof Database {
  return createRequire(import.meta.url)('better-sqlite3') as typeof Database;
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
