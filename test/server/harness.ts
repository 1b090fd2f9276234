import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import { databaseContents, freshDatabase } from '../helpers/postgres.js';
import { assertMatchesSpec } from './openapi.js';

export const ADMIN_KEY = 'bootstrap-admin-credential-for-tests-0123456789';

/**
 * Which store the server tests run on: SQLite by default; `KEYPLAN_TEST_STORE=postgres` (the vitest project
 * `server-on-postgres`) runs the same tests on a fresh database of the run's throwaway PostgreSQL cluster.
 */
export const TEST_STORE = process.env.KEYPLAN_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
const PG_PEPPER = 'server-tests-pepper-0123456789abcdef';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked against the OpenAPI schema at run time instead
type Json = any;

export interface Reply<T = Json> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A running server on 127.0.0.1:0 with its own temp dir, and a client that checks every answer against the OpenAPI document. */
export class Harness {
  /** Every secret any response carried, so tests can scan for them. */
  readonly secrets = new Set<string>([ADMIN_KEY]);

  private constructor(
    readonly dir: string,
    readonly dbPath: string,
    public server: RunningServer,
    private readonly options: Omit<ServerOptions, 'dbPath'>,
  ) {}

  static async start(options: Partial<ServerOptions> = {}): Promise<Harness> {
    const dir = await mkdtemp(join(tmpdir(), 'keyplan-server-'));
    const dbPath = TEST_STORE === 'postgres' ? await freshDatabase('kp_server') : join(dir, 'keys.db');
    const serverOptions = { host: '127.0.0.1', port: 0, adminKey: ADMIN_KEY, ...(TEST_STORE === 'postgres' ? { pepper: PG_PEPPER } : {}), ...options };
    const server = await startServer({ dbPath, ...serverOptions });
    return new Harness(dir, dbPath, server, serverOptions);
  }

  async restart(): Promise<void> {
    await this.server.close();
    this.server = await startServer({ dbPath: this.dbPath, ...this.options });
  }

  async stop(): Promise<void> {
    await this.server.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Everything the store keeps, as bytes: the SQLite files (database, WAL, shared memory), or every PostgreSQL table's rows. */
  async storedBytes(): Promise<Map<string, Buffer>> {
    if (TEST_STORE === 'postgres') return databaseContents(this.dbPath);
    const files = (await readdir(this.dir)).filter((name) => /^keys\.db(-wal|-shm)?$/.test(name));
    if (!files.includes('keys.db')) throw new Error(`no keys.db in ${this.dir}`);
    return new Map(await Promise.all(files.map(async (name) => [name, await readFile(join(this.dir, name))] as [string, Buffer])));
  }

  async call<T = Json>(
    method: string,
    path: string,
    options: { token?: string | null; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const token = options.token === undefined ? ADMIN_KEY : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await request(`${this.server.url}${path}`, { method: method as 'GET', headers, body });
    const text = await response.body.text();
    // A 204 has no body; every other answer is JSON.
    const parsed = (response.statusCode === 204 && text === '' ? undefined : JSON.parse(text)) as T;
    assertMatchesSpec(method, path, response.statusCode, parsed);
    this.collectSecrets(parsed);
    return { status: response.statusCode, headers: response.headers, body: parsed };
  }

  /** Creates a key as the admin and returns its id and secret. */
  async createKey(name: string, roles: string[], extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string; etag: string }> {
    const reply = await this.call('POST', '/v1/keys', { body: { name, roles, ...extra } });
    if (reply.status !== 201) throw new Error(`create ${name}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return { id: reply.body.key.id, secret: reply.body.secret, etag: reply.body.key.etag };
  }

  private collectSecrets(body: unknown): void {
    if (body && typeof body === 'object' && 'secret' in body && typeof body.secret === 'string') this.secrets.add(body.secret);
  }
}
