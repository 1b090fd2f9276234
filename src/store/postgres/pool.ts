import pg from 'pg';
import { KeyplanError } from '../../core/errors.js';
import { StorageFailure, StoreUnavailableError } from '../storage-errors.js';

export interface PgPoolOptions {
  /** Connections per instance; default 10 (KEYPLAN_DB_POOL_SIZE). */
  poolSize?: number;
  /** Longest a statement may run before PostgreSQL cancels it; default 5000 ms (KEYPLAN_DB_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /** Longest to wait for a connection; default 5000 ms. */
  connectTimeoutMs?: number;
}

/** Whether `--db` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The URL without its password, for messages and the listening line. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

function positive(value: number | undefined, name: string, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1) throw new KeyplanError(`${name} must be a positive integer, not ${value}`);
  return result;
}

/**
 * A connection pool. TLS follows the URL (`sslmode`, `sslrootcert`, ... as libpq names them; pg treats
 * `require` as `verify-full`, so a certificate the URL does not trust is refused). Statement and query timeouts
 * are set on every connection, so a slow or hung database answers 503 instead of holding requests.
 */
export function createPool(url: string, options: PgPoolOptions, onIdleError: (error: Error) => void): pg.Pool {
  const statementTimeout = positive(options.statementTimeoutMs, 'the statement timeout', 5_000);
  const pool = new pg.Pool({
    connectionString: url,
    max: positive(options.poolSize, 'the pool size', 10),
    connectionTimeoutMillis: positive(options.connectTimeoutMs, 'the connect timeout', 5_000),
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 1_000,
    application_name: 'keyplan serve',
    types: int8AsNumber,
  });
  // A connection dropped while idle (a restart, a network cut) must not crash the process; the pool replaces it.
  pool.on('error', onIdleError);
  return pool;
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether an error means "the database is not there right now" rather than "this request is wrong":
 * connection classes 08 (connection exception), 53 (insufficient resources), 57 (operator intervention:
 * shutdown, statement timeout), socket errors and the pool's own timeouts.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (/^(08|53|57)/.test(code) || CONNECTION_ERRNOS.has(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|Client was closed|Cannot use a pool after calling end/i.test(error.message);
}

export function unavailable(error: unknown): StoreUnavailableError {
  const reason = error instanceof Error ? (error as { code?: string }).code ?? error.message : String(error);
  return new StoreUnavailableError(`the database is unavailable (${reason}); retry shortly`);
}

/**
 * A PostgreSQL error as the store's StorageFailure (disk full 53100, corrupted data or index XX001/XX002,
 * a read-only transaction 25006, or the database away), or the error itself when it is none of those.
 */
export function asStorageFailure(error: unknown): unknown {
  if (error instanceof StorageFailure) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const reason = `${typeof code === 'string' ? code : 'error'}: ${error instanceof Error ? error.message : String(error)}`;
  if (code === '53100') return new StorageFailure('full', reason);
  if (code === 'XX001' || code === 'XX002') return new StorageFailure('corrupt', reason);
  if (code === '25006') return new StorageFailure('read_only', reason);
  return isUnavailable(error) ? unavailable(error) : error;
}

/** A unique violation of `constraint`. */
export function violates(error: unknown, constraint: string): boolean {
  return (error as { code?: unknown; constraint?: unknown }).code === '23505' && (error as { constraint?: unknown }).constraint === constraint;
}
