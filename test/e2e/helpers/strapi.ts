import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach } from 'vitest';
// @ts-expect-error -- a plain .mjs script (also run by .ci/run), without type declarations
import { ensureStrapi } from '../strapi/install.mjs';
import { cleanEnv } from './cli.js';
import { jsonCall, stopChild, type ApiReply } from './http-call.js';
import { SecretFeed, assertServerKeptNoSecrets } from './secrets.js';

/** What keyplan needs to manage API tokens: the admin token's permissions. */
export const API_TOKEN_ACTIONS = ['read', 'create', 'update', 'delete', 'regenerate'].map((a) => `admin::api-tokens.${a}`);

export interface StrapiToken {
  id: number;
  name: string;
  description: string;
  type: 'read-only' | 'full-access' | 'custom';
  lifespan: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  permissions: string[];
  accessKey?: string;
}

/**
 * A real Strapi 5.54 (installed once into a cache directory by test/e2e/strapi/install.mjs) started
 * on a free 127.0.0.1 port with a fresh SQLite database in `dir`, its first admin user registered and
 * an admin token made that holds `admin::api-tokens.*`. `stop()` ends it.
 */
export class StrapiServer extends SecretFeed {
  adminJwt = '';
  adminToken = '';
  readonly adminEmail = 'keyplan-e2e@example.com';
  readonly adminPassword: string;

  private constructor(
    readonly url: string,
    readonly dbPath: string,
    private readonly child: ChildProcess,
    private readonly logs: { stdout: string; stderr: string },
    readonly secrets: string[],
  ) {
    super();
    this.adminPassword = `Kp1-${randomBytes(12).toString('hex')}`;
  }

  static async start(options: { dir: string }): Promise<StrapiServer> {
    const appDir = (await ensureStrapi({ log: (line: string) => process.stderr.write(`${line}\n`) })) as string;
    await mkdir(options.dir, { recursive: true });
    const port = await freePort();
    const dbPath = join(options.dir, 'strapi.db');
    const secret = () => randomBytes(24).toString('base64');
    const secrets = {
      APP_KEYS: [secret(), secret()].join(','),
      ADMIN_JWT_SECRET: secret(),
      API_TOKEN_SALT: secret(),
      TRANSFER_TOKEN_SALT: secret(),
      ENCRYPTION_KEY: secret(),
    };
    const child = spawn(process.execPath, [join(appDir, 'node_modules/@strapi/strapi/bin/strapi.js'), 'start'], {
      cwd: appDir,
      env: cleanEnv({
        ...secrets,
        HOST: '127.0.0.1',
        PORT: String(port),
        NODE_ENV: 'production',
        DATABASE_FILENAME: dbPath,
        STRAPI_TELEMETRY_DISABLED: 'true',
        STRAPI_HIDE_STARTUP_MESSAGE: 'true',
        BROWSER: 'none',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs = { stdout: '', stderr: '' };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (logs.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (logs.stderr += chunk));
    const server = new StrapiServer(`http://127.0.0.1:${port}`, dbPath, child, logs, Object.values(secrets));
    for (const value of [...server.secrets, server.adminPassword]) server.onSecret(value);
    try {
      await server.waitUntilHealthy(180_000);
      await server.registerAdmin();
      server.adminToken = await server.createAdminToken('keyplan e2e', API_TOKEN_ACTIONS);
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  output(): { stdout: string; stderr: string } {
    return { ...this.logs };
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  /** A JSON request with the admin JWT (or `token`; null sends none). Registers any secret in the answer. */
  async call<T = unknown>(method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<ApiReply<T>> {
    const reply = await jsonCall<T>(this.url, method, path, options.token === undefined ? this.adminJwt : options.token, options.body);
    for (const found of secretsIn(reply.body)) this.onSecret(found);
    return reply;
  }

  /** Makes an admin token holding these admin actions; returns its secret. */
  async createAdminToken(name: string, actions: string[]): Promise<string> {
    const reply = await this.call<{ data: { accessKey: string } }>('POST', '/admin/admin-tokens', {
      body: { name, description: 'made by the keyplan e2e harness', lifespan: null, adminPermissions: actions.map((action) => ({ action })) },
    });
    if (reply.status !== 201) throw new Error(`admin token: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.data.accessKey;
  }

  /** Every token of the API-token list (as the admin sees it). */
  async listTokens(): Promise<StrapiToken[]> {
    const reply = await this.call<{ data: StrapiToken[] }>('GET', '/admin/api-tokens');
    if (reply.status !== 200) throw new Error(`list tokens: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.data;
  }

  /** Creates an API token directly ("out of band"); returns it with its accessKey. */
  async createToken(input: { name: string; description?: string; type: string; permissions?: string[]; lifespan?: number | null }): Promise<StrapiToken & { accessKey: string }> {
    const reply = await this.call<{ data: StrapiToken & { accessKey: string } }>('POST', '/admin/api-tokens', { body: { description: '', lifespan: null, ...input } });
    if (reply.status !== 201) throw new Error(`create token ${input.name}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.data;
  }

  /** Deletes every API token but Strapi's two defaults, so a test starts from a fresh Strapi's tokens. */
  async resetTokens(): Promise<void> {
    for (const token of await this.listTokens()) if (!['Read Only', 'Full Access'].includes(token.name)) await this.deleteToken(token.id);
  }

  async deleteToken(id: number): Promise<void> {
    const reply = await this.call('DELETE', `/admin/api-tokens/${id}`);
    if (reply.status !== 200) throw new Error(`delete token ${id}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  /** Uses an API token against the content API: GET /api/notes, or POST one with `write`. Returns the status. */
  async useToken(secret: string, write = false): Promise<number> {
    const reply = write
      ? await this.call('POST', '/api/notes', { token: secret, body: { data: { title: 'written by keyplan e2e' } } })
      : await this.call('GET', '/api/notes', { token: secret });
    return reply.status;
  }

  private async waitUntilHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`Strapi exited (${this.child.exitCode}) before it was ready:\n${this.logs.stderr}\n${this.logs.stdout}`);
      try {
        const response = await request(`${this.url}/_health`, { method: 'HEAD' });
        await response.body.dump();
        if (response.statusCode === 204) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`Strapi was not ready within ${timeoutMs} ms:\n${this.logs.stderr}\n${this.logs.stdout}`);
  }

  private async registerAdmin(): Promise<void> {
    const reply = await this.call<{ data: { token: string } }>('POST', '/admin/register-admin', {
      token: null,
      body: { email: this.adminEmail, password: this.adminPassword, firstname: 'Keyplan', lastname: 'E2e' },
    });
    if (reply.status !== 200 && reply.status !== 201) throw new Error(`register admin: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    this.adminJwt = reply.body.data.token;
    this.onSecret(this.adminJwt);
  }
}

function secretsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretsIn);
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if ((key === 'accessKey' || key === 'token') && typeof inner === 'string') found.push(inner);
    else found.push(...secretsIn(inner));
  }
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * One real Strapi for a whole test file (it takes ~15 s to start; the first run also installs it, which
 * takes minutes): started before the file's tests, stopped after them, its logs and database scanned for
 * every secret it handed out. Each test starts with only Strapi's two default tokens.
 */
export function useStrapi(): () => StrapiServer {
  let server: StrapiServer | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-strapi-'));
    server = await StrapiServer.start({ dir });
  }, 20 * 60_000);
  beforeEach(async () => {
    await server?.resetTokens();
  });
  afterAll(async () => {
    if (!server) return;
    await server.stop();
    const scan = assertServerKeptNoSecrets('Strapi', server.seen, server.output(), server.dbPath);
    await scan.finally(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));
  }, 60_000);
  return () => {
    if (!server) throw new Error('useStrapi(): Strapi is not running');
    return server;
  };
}
