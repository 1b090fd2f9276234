import { StorageFailure, type StorageFailureKind } from '../storage-errors.js';

/** The storage failure a SQLite result code stands for; undefined for any other error (a bug, a refusal). */
export function failureKindOf(error: unknown): StorageFailureKind | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC' || code === 'SQLITE_IOERR_SHMSIZE') return 'full';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'corrupt';
  if (code.startsWith('SQLITE_READONLY')) return 'read_only';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') return 'unavailable';
  return undefined;
}

/** A SQLite error as the store's StorageFailure, or the error itself when it is no storage failure. */
export function asStorageFailure(error: unknown): unknown {
  const kind = failureKindOf(error);
  return kind ? new StorageFailure(kind, describeStorageError(error)) : error;
}

/** A short description for logs: the code and SQLite's message (which never holds a secret). */
export function describeStorageError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
