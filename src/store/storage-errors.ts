/**
 * What went wrong with the storage itself, in the store's words, whatever the driver: each store turns its
 * own errors into these kinds, so the server never reads a driver's codes.
 * - unavailable: down, restarting, busy, out of connections, too slow: retry shortly (503, Retry-After);
 * - full: the disk is full, a change could not be stored; reads keep working (507);
 * - read_only: the database cannot be written (file modes, a read-only mount) (503);
 * - corrupt: the database is damaged; the store is no longer ready until an operator restores it (503).
 */
export type StorageFailureKind = 'unavailable' | 'full' | 'read_only' | 'corrupt';

export class StorageFailure extends Error {
  constructor(
    readonly kind: StorageFailureKind,
    message: string,
    /** Seconds a client should wait before retrying. */
    readonly retryAfterSeconds = 2,
  ) {
    super(message);
    this.name = 'StorageFailure';
  }
}

/** The database cannot be reached right now; nothing about the request was refused. */
export class StoreUnavailableError extends StorageFailure {
  constructor(message: string, retryAfterSeconds = 2) {
    super('unavailable', message, retryAfterSeconds);
    this.name = 'StoreUnavailableError';
  }
}
