import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KeyStore } from '../store/key-store.js';
import { defaultServiceConfig, loadServiceConfig } from '../store/service-config-file.js';
import { BootstrapCredential } from './caller.js';
import { FailureLimiter } from './failure-limiter.js';
import { createRequestHandler } from './request-handler.js';

export interface ServerOptions {
  dbPath: string;
  host?: string;
  port?: number;
  /** Roles and capabilities (YAML or JSON); default roles ADMIN and READONLY. */
  rolesFile?: string;
  /** Accepted as an admin credential; kept only as an in-memory HMAC. */
  adminKey?: string;
  tls?: { certFile: string; keyFile: string };
  /** Failed authentications per client address per minute before 429; default 20. */
  maxAuthFailuresPerMinute?: number;
  /** Per-request log lines (method, path, status, time; never headers or bodies). */
  log?: (line: string) => void;
  clock?: () => number;
  pepper?: Buffer | string;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  store: KeyStore;
  /** Stops accepting, lets in-flight requests finish, flushes last use and closes the database. */
  close(): Promise<void>;
}

const FORCE_CLOSE_AFTER_MS = 10_000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const config = options.rolesFile ? loadServiceConfig(options.rolesFile) : defaultServiceConfig();
  const tls = options.tls && { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) };
  const store = KeyStore.open(options.dbPath, {
    roles: config.roles,
    capabilities: config.capabilities,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.pepper !== undefined ? { pepper: options.pepper } : {}),
  });
  const handler = createRequestHandler({
    store,
    bootstrap: options.adminKey ? new BootstrapCredential(options.adminKey) : undefined,
    limiter: new FailureLimiter(options.maxAuthFailuresPerMinute ?? 20, options.clock),
    ...(options.log ? { log: options.log } : {}),
  });
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 5_000;
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
    store.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    store,
    close: () => (closing ??= shutDown(server, store)),
  };
}

async function shutDown(server: Server, store: KeyStore): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_AFTER_MS);
  force.unref();
  await closed;
  clearTimeout(force);
  store.close();
}
