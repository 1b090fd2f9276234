import { Option } from 'commander';
import { UsageError } from '../../core/errors.js';
import { BufferedLog, DEFAULT_CONNECTION_LIMITS, startKeyService, type ConnectionLimits } from '../../engine/serve.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

interface ServeOptions {
  db?: string;
  init?: boolean;
  dbPoolSize?: string;
  dbStatementTimeout?: string;
  host: string;
  port: string;
  roles?: string;
  tlsCert?: string;
  tlsKey?: string;
  quiet?: boolean;
  console?: boolean;
  maxConnections: string;
  maxConnectionsPerClient: string;
  headersTimeout: string;
  requestTimeout: string;
}

/** A whole number from `min` to `max`, or a usage error naming the flag. */
function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

function connectionLimits(options: ServeOptions): Partial<ConnectionLimits> {
  return {
    maxConnections: wholeNumber('--max-connections', options.maxConnections, 1, 1_000_000),
    maxConnectionsPerClient: wholeNumber('--max-connections-per-client', options.maxConnectionsPerClient, 1, 1_000_000),
    headersTimeoutMs: wholeNumber('--headers-timeout', options.headersTimeout, 1, 3600) * 1000,
    requestTimeoutMs: wholeNumber('--request-timeout', options.requestTimeout, 1, 3600) * 1000,
  };
}

function optionalNumber(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  return text === undefined || text === '' ? undefined : wholeNumber(flag, text, min, max);
}

const DEFAULT_DB = '.keyplan/keys.db';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

export const registerServe: RegisterCommand = (program) => {
  program
    .command('serve')
    .description('run the key service HTTP API (v1) over SQLite or PostgreSQL; admin credential: env KEYPLAN_ADMIN_KEY')
    .option('--db <path|url>', 'SQLite database file, or postgres://user@host:5432/db (default: env KEYPLAN_DATABASE_URL, else .keyplan/keys.db)')
    .option('--init', 'SQLite: create a new, empty database where its pepper file exists but the database is missing or empty (otherwise refused as lost)')
    .option('--db-pool-size <n>', 'PostgreSQL: connections per instance (default 10; env KEYPLAN_DB_POOL_SIZE)')
    .option('--db-statement-timeout <ms>', 'PostgreSQL: cancel statements running longer (default 5000; env KEYPLAN_DB_STATEMENT_TIMEOUT_MS)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8787')
    .option('--roles <file>', 'roles and capabilities file (YAML or JSON)')
    .option('--tls-cert <file>', 'TLS certificate (PEM); needs --tls-key')
    .option('--tls-key <file>', 'TLS private key (PEM); needs --tls-cert')
    .option('--max-connections <n>', 'open connections at most, overall', String(DEFAULT_CONNECTION_LIMITS.maxConnections))
    .option('--max-connections-per-client <n>', 'open connections at most per client address (IPv6: per /64)', String(DEFAULT_CONNECTION_LIMITS.maxConnectionsPerClient))
    .option('--headers-timeout <seconds>', 'time a client has to send the request headers', String(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs / 1000))
    .option('--request-timeout <seconds>', 'time a client has to send the whole request, body included', String(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs / 1000))
    .addOption(new Option('--quiet', 'no per-request log lines on stderr'))
    .option('--console', 'also serve the read-only web console at /console (sign in with a key holding keys:read)')
    .action(async (options: ServeOptions) => {
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || port > 65_535) throw new UsageError(`--port must be a number from 0 to 65535, not "${options.port}"`);
      if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
      const limits = connectionLimits(options);
      const db = options.db ?? (process.env.KEYPLAN_DATABASE_URL || DEFAULT_DB);
      const poolSize = optionalNumber('--db-pool-size', options.dbPoolSize ?? process.env.KEYPLAN_DB_POOL_SIZE, 1, 10_000);
      const statementTimeout = optionalNumber('--db-statement-timeout', options.dbStatementTimeout ?? process.env.KEYPLAN_DB_STATEMENT_TIMEOUT_MS, 1, 3_600_000);
      if (!options.tlsCert && !LOOPBACK.test(options.host)) {
        process.stderr.write(`keyplan serve: warning: listening on ${options.host} without TLS; bearer keys cross the network in clear text. Use --tls-cert/--tls-key or a TLS-terminating proxy.\n`);
      }
      // Request lines and notices go to stderr through one buffer (a write per event loop turn, not per request),
      // written out before serve's own messages, at shutdown and at exit.
      const log = new BufferedLog((text) => process.stderr.write(text));
      const flushLog = () => log.flush();
      process.on('exit', flushLog);
      const say = (text: string) => {
        log.flush();
        process.stderr.write(text);
      };
      const server = await startKeyService({
        dbPath: db,
        // The default .keyplan/ directory is made on first use; a --db given explicitly must point into an existing one.
        createDbDirectory: db === DEFAULT_DB,
        ...(options.init ? { init: true } : {}),
        ...(poolSize === undefined ? {} : { dbPoolSize: poolSize }),
        ...(statementTimeout === undefined ? {} : { dbStatementTimeoutMs: statementTimeout }),
        host: options.host,
        port,
        limits,
        ...(options.roles ? { rolesFile: options.roles } : {}),
        ...(process.env.KEYPLAN_ADMIN_KEY ? { adminKey: process.env.KEYPLAN_ADMIN_KEY } : {}),
        ...(options.tlsCert && options.tlsKey ? { tls: { certFile: options.tlsCert, keyFile: options.tlsKey } } : {}),
        ...(options.quiet ? {} : { log: log.line }),
        ...(options.console ? { console: true } : {}),
        notice: (line: string) => {
          log.line(`keyplan serve: ${line}`);
          log.flush();
        },
      });
      if (server.createdDatabase && server.store.kind === 'sqlite') {
        say(`keyplan serve: created a new database ${db}; back it up together with its pepper (${db}.pepper unless KEYPLAN_PEPPER is set)\n`);
      } else if (server.createdDatabase) {
        say(`keyplan serve: created the keyplan tables in ${server.store.location}; keep KEYPLAN_PEPPER safe, apart from the database backups\n`);
      }
      // Signal handlers first: whoever reads the listening line may stop the server at once.
      const stopped = new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      printOut(`keyplan serve listening on ${server.url} (db: ${server.store.location})`);
      if (options.console) printOut(`keyplan serve: read-only console at ${server.url}/console`);
      await stopped;
      say('keyplan serve: shutting down (finishing in-flight requests)\n');
      await server.close();
      log.flush();
      process.off('exit', flushLog);
    });
};
