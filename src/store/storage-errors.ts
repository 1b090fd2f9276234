/**
 * The database cannot be reached right now (down, restarting, out of connections, too slow).
 * The server answers 503 with Retry-After; nothing about the request was refused.
 */
export class StoreUnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds a client should wait before retrying. */
    readonly retryAfterSeconds = 2,
  ) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}
