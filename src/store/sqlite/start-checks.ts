import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { KeyplanError } from '../../core/errors.js';
import { hasPepperFile } from './pepper-file.js';

/** What is at the database path before it is opened: nothing or an empty file (a new database), or a database. */
export function databaseIsNew(path: string): boolean {
  try {
    return statSync(path).size === 0;
  } catch {
    return true;
  }
}

/**
 * A missing or empty database beside a pepper file is a database that was lost (deleted, truncated, restored
 * without its data), not a first start: starting would silently answer "no keys". Refused, unless the operator
 * asks for a new database (`keyplan serve --init`).
 */
export function refuseLostDatabase(path: string, isNew: boolean, init: boolean): void {
  if (!isNew || init || !hasPepperFile(path)) return;
  const state = existsSync(path) ? 'is empty (0 bytes)' : 'is missing';
  throw new KeyplanError(
    `the database ${path} ${state}, but its pepper ${path}.pepper exists, so it held keys: restore ${basename(path)} from the backup made together with its pepper, ` +
      'or start with --init to create a new, empty database (every key it held is then gone).',
  );
}

const READ_ONLY_CAUSES: Record<'EACCES' | 'EPERM' | 'EROFS', [string, (target: string) => string]> = {
  EACCES: ['its permissions forbid writing', (target) => `make it writable for the user running keyplan serve (chmod u+w ${target})`],
  EPERM: ['it is marked immutable', (target) => `clear the flag (chattr -i ${target})`],
  EROFS: ['it is on a read-only file system', () => 'remount it read-write or move the database'],
};

/**
 * An existing database that cannot be written says so (file modes, an immutable file, a read-only mount), instead
 * of SQLite's SQLITE_CANTOPEN. The directory must be writable too: SQLite keeps its -wal and -shm files beside it.
 */
export function refuseReadOnly(path: string): void {
  for (const [what, target] of [
    ['database', path],
    ['directory of the database', dirname(path)],
  ] as const) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
      const [why, fix] = READ_ONLY_CAUSES[code];
      throw new KeyplanError(`the ${what} ${target} is read-only (${why}): keyplan serve writes ${basename(path)} and its -wal and -shm files; ${fix(target)}.`);
    }
  }
}

/** A database this start created and could not finish (e.g. on a full disk): removed, so no empty file is left behind. */
export function removeUnfinished(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(file, { force: true });
}
