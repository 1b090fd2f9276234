import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { KeyplanError } from '../core/errors.js';
import { describeStorageError } from '../store/sqlite/errors.js';
import { openStore, type OpenStoreOptions } from '../store/open-store.js';
import { isPostgresUrl } from '../store/postgres/pool.js';
import type { Store } from '../store/contract.js';
import { defaultServiceConfig, loadServiceConfig } from '../store/config/service-config-file.js';
import { AuthThrottle, type ThrottleLimits } from './auth-throttle.js';
import { BodyBudget, DEFAULT_BODY_BUDGET_BYTES } from './body.js';
import { BootstrapCredential } from './caller.js';
import { answerClientErrors, limitConnectionsPerClient } from './connection-limits.js';
import { withConsole } from './console/console.js';
import { createRequestHandler } from './request-handler.js';

/** Limits that keep one client, or many unauthenticated ones, from exhausting the server. */
export interface ConnectionLimits {
  /** Open connections overall; more are refused. Default 10,000. */
  maxConnections: number;
  /** Open connections per client address (IPv6: per /64); more get 503. Default 256. */
  maxConnectionsPerClient: number;
  /** Time for a client to send the request headers. Default 10 s. */
  headersTimeoutMs: number;
  /** Time for a client to send the whole request, body included. Default 30 s. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveTimeoutMs: number;
  /** Request bodies held in memory at once, all requests together. Default 64 MiB. */
  bodyBudgetBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 10_000,
  maxConnectionsPerClient: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  bodyBudgetBytes: DEFAULT_BODY_BUDGET_BYTES,
};

/** The bootstrap credential must be at least this long: it grants everything. */
export const MIN_ADMIN_KEY_LENGTH = 32;

export interface ServerOptions {
  /** A SQLite file path, or a `postgres://` / `postgresql://` URL (several instances may share one PostgreSQL database). */
  dbPath: string;
  /** Create the database's directory when missing (for the default path); otherwise a missing directory is an error. */
  createDbDirectory?: boolean;
  /** SQLite: create a new, empty database even though its pepper file exists (`--init`); without it that start is refused as a lost database. */
  init?: boolean;
  /** PostgreSQL: connections per instance (default 10) and the statement timeout (default 5000 ms). */
  dbPoolSize?: number;
  dbStatementTimeoutMs?: number;
  host?: string;
  port?: number;
  /** Roles and capabilities (YAML or JSON); default roles ADMIN and READONLY. */
  rolesFile?: string;
  /** Accepted as an admin credential (at least 32 characters); kept only as an in-memory HMAC. */
  adminKey?: string;
  tls?: { certFile: string; keyFile: string };
  /** Failed authentications per client address per minute before failures get 429; default 20. */
  maxAuthFailuresPerMinute?: number;
  /** The other failure budgets (per key prefix, global, per verifying key). */
  throttle?: Partial<ThrottleLimits>;
  limits?: Partial<ConnectionLimits>;
  /** Per-request log lines (method, route, key id, status, time; never raw paths, headers or bodies). */
  log?: (line: string) => void;
  /** Background problems (a failing last-use write, a full disk), once each, not per request; default: `log`. */
  notice?: (line: string) => void;
  clock?: () => number;
  pepper?: Buffer | string;
  /** Serve the read-only console under /console beside the API (`keyplan serve --console`). */
  console?: boolean;
  /** How often the store writes pending last uses and purges expired replay copies; default 15 s. */
  maintenanceIntervalMs?: number;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  store: Store;
  /** True when this start created a new, empty database. */
  createdDatabase: boolean;
  /** Stops accepting, lets in-flight requests finish, flushes last use and closes the database. */
  close(): Promise<void>;
}

const FORCE_CLOSE_AFTER_MS = 10_000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (options.adminKey !== undefined && options.adminKey.length < MIN_ADMIN_KEY_LENGTH) {
    throw new KeyplanError(`KEYPLAN_ADMIN_KEY must be at least ${MIN_ADMIN_KEY_LENGTH} characters (it grants everything); generate one with: openssl rand -base64 32`);
  }
  if (options.createDbDirectory && !isPostgresUrl(options.dbPath)) mkdirSync(dirname(options.dbPath), { recursive: true });
  checkDatabaseDirectory(options.dbPath);
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const config = options.rolesFile ? loadServiceConfig(options.rolesFile) : defaultServiceConfig();
  const tls = options.tls && { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) };
  const store = await openDatabase(options.dbPath, {
    roles: config.roles,
    capabilities: config.capabilities,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.init ? { init: true } : {}),
    ...(options.pepper !== undefined ? { pepper: options.pepper } : {}),
    ...(options.maintenanceIntervalMs ? { maintenanceIntervalMs: options.maintenanceIntervalMs } : {}),
    ...(options.dbPoolSize !== undefined ? { poolSize: options.dbPoolSize } : {}),
    ...(options.dbStatementTimeoutMs !== undefined ? { statementTimeoutMs: options.dbStatementTimeoutMs } : {}),
    ...(options.notice ?? options.log ? { log: options.notice ?? options.log } : {}),
  });
  const bootstrap = options.adminKey ? new BootstrapCredential(options.adminKey) : undefined;
  const throttle = new AuthThrottle({ ...options.throttle, ...(options.maxAuthFailuresPerMinute ? { perAddress: options.maxAuthFailuresPerMinute } : {}) }, options.clock);
  const api = createRequestHandler({ store, bootstrap, throttle, bodies: new BodyBudget(limits.bodyBudgetBytes), ...(options.log ? { log: options.log } : {}) });
  const handler = options.console ? withConsole(api, { store, bootstrap, throttle, secure: Boolean(tls), ...(options.log ? { log: options.log } : {}), ...(options.clock ? { clock: options.clock } : {}) }) : api;
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often the timeouts above are checked (Node's default is every 30 s).
    connectionsCheckingInterval: Math.max(250, Math.min(1_000, limits.headersTimeoutMs / 4)),
  };
  const server: Server = tls ? createHttpsServer({ ...tls, ...serverOptions }, handler) : createHttpServer(serverOptions, handler);
  // `Expect: 100-continue` is answered by the handler, after authentication (Node would send 100 at once).
  server.on('checkContinue', handler);
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.requestTimeoutMs;
  limitConnectionsPerClient(server, limits.maxConnectionsPerClient);
  answerClientErrors(server);
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8787, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    store,
    createdDatabase: store.created,
    close: () => (closing ??= shutDown(server, store)),
  };
}

/** The store, or a one-line error saying why the database cannot be opened (e.g. the disk is full). */
async function openDatabase(dbPath: string, options: OpenStoreOptions): Promise<Store> {
  try {
    return await openStore(dbPath, options);
  } catch (error) {
    if (error instanceof KeyplanError) throw error;
    throw new KeyplanError(`cannot open the database ${dbPath}: ${describeStorageError(error)}`);
  }
}

/** The service makes a database only where asked: its directory must exist. */
function checkDatabaseDirectory(dbPath: string): void {
  if (dbPath === ':memory:' || isPostgresUrl(dbPath)) return;
  const directory = dirname(dbPath);
  if (!existsSync(directory)) throw new KeyplanError(`the directory of --db ${dbPath} does not exist: create it (mkdir -p ${directory}) or point --db at an existing database`);
  if (!statSync(directory).isDirectory()) throw new KeyplanError(`--db ${dbPath}: ${directory} is not a directory`);
}

async function shutDown(server: Server, store: Store): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_AFTER_MS);
  force.unref();
  await closed;
  clearTimeout(force);
  await store.close();
}
