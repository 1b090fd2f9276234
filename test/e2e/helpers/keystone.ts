/**
 * A real OpenStack Keystone (Debian's python3-keystone) for the tests: a throwaway instance in a temp dir
 * (SQLite in WAL mode, fernet and credential keys, db_sync and bootstrap), its public API on a port the runner
 * binds itself (keystone-runner.py: one Python process, since each keystone-manage pays seconds of imports).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { cleanEnv } from './cli.js';
import { jsonCall, stopChild, type ApiReply } from './http-call.js';
import { SecretFeed, assertServerKeptNoSecrets } from './secrets.js';

const RUNNER = fileURLToPath(new URL('./keystone-runner.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

export interface KeystoneCredential {
  id: string;
  name: string;
  description: string | null;
  expires_at: string | null;
  unrestricted: boolean | null;
  roles: { id: string; name: string }[];
  secret?: string;
}

export interface KeystoneSession {
  token: string;
  userId: string;
  projectId: string;
}

/** Installs python3-keystone when it is missing and this runs as root (as .ci/run does); else says how. */
export async function ensureKeystone(): Promise<void> {
  if (existsSync('/usr/bin/keystone-manage')) return;
  if (process.getuid?.() !== 0) throw new Error('Keystone is not installed: apt-get install -y --no-install-recommends python3-keystone');
  const lock = join(tmpdir(), 'keyplan-keystone-install.lock');
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    if (existsSync('/usr/bin/keystone-manage')) return;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-keystone'], { stdio: 'inherit', env });
    if (install.status !== 0) throw new Error(`apt-get install python3-keystone failed (${install.status})`);
  } finally {
    await rmdir(lock);
  }
}

export class KeystoneServer extends SecretFeed {
  #session: KeystoneSession | undefined;

  private constructor(
    /** The identity API: http://127.0.0.1:PORT/v3 (OS_AUTH_URL). */
    readonly authUrl: string,
    readonly dir: string,
    readonly adminPassword: string,
    /** How long the start took, from an empty directory to an answering API. */
    readonly startMs: number,
    private readonly child: ChildProcess,
    private readonly logs: { stdout: string; stderr: string },
  ) {
    super();
    this.seen.add(adminPassword);
  }

  static async start(options: { dir: string }): Promise<KeystoneServer> {
    await ensureKeystone();
    const began = Date.now();
    await mkdir(options.dir, { recursive: true });
    const password = `Ks1-${randomBytes(12).toString('hex')}`;
    const config = join(options.dir, 'keystone.conf');
    await writeFile(config, configText(options.dir));
    // stdin stays open: the runner stops when it closes (so an abandoned runner cannot outlive the tests).
    const child = spawn(PYTHON, [RUNNER, config, password], { cwd: options.dir, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const logs = { stdout: '', stderr: '' };
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (logs.stderr += chunk));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        logs.stdout += chunk;
        const match = /listening (\d+)/.exec(logs.stdout);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`Keystone exited (${code}) before it listened:\n${logs.stderr.slice(-4000)}`)));
    });
    return new KeystoneServer(`http://127.0.0.1:${port}/v3`, options.dir, password, Date.now() - began, child, logs);
  }

  /** The OS_* variables of the bootstrap admin (project `admin`), as the `openstack` CLI reads them. */
  adminEnv(): Record<string, string> {
    return {
      OS_AUTH_URL: this.authUrl,
      OS_USERNAME: 'admin',
      OS_PASSWORD: this.adminPassword,
      OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    };
  }

  output(): { stdout: string; stderr: string } {
    return { ...this.logs };
  }

  async stop(): Promise<void> {
    this.child.stdin?.end();
    await stopChild(this.child);
  }

  /** A JSON request with the admin's token (or `token`; null sends none). Registers any secret in the answer. */
  async call<T = unknown>(method: string, path: string, options: { token?: string | null; body?: unknown } = {}): Promise<ApiReply<T>> {
    const token = options.token === undefined ? (await this.admin()).token : options.token;
    const reply = await jsonCall<T>(this.authUrl, method, path, null, options.body, token ? { 'x-auth-token': token } : {});
    for (const found of secretsIn(reply.body)) this.onSecret(found);
    const subject = reply.headers['x-subject-token'];
    if (typeof subject === 'string') this.onSecret(subject);
    return reply;
  }

  /** A password token of `user` scoped to `project` (both in the Default domain). */
  async login(user: string, password: string, project = 'admin'): Promise<ApiReply<{ token: { user: { id: string }; project: { id: string }; roles: { name: string }[] } }>> {
    return this.call('POST', '/auth/tokens', {
      token: null,
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
          scope: { project: { name: project, domain: { id: 'default' } } },
        },
      },
    });
  }

  async admin(): Promise<KeystoneSession> {
    if (this.#session) return this.#session;
    const reply = await this.login('admin', this.adminPassword);
    if (reply.status !== 201) throw new Error(`admin login: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    this.#session = { token: String(reply.headers['x-subject-token']), userId: reply.body.token.user.id, projectId: reply.body.token.project.id };
    return this.#session;
  }

  /** Authenticates with an application credential: the status and the roles of the token it gets. */
  async authenticate(id: string, secret: string): Promise<{ status: number; roles: string[] }> {
    const reply = await this.call<{ token?: { roles?: { name: string }[] } }>('POST', '/auth/tokens', {
      token: null,
      body: { auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } } },
    });
    return { status: reply.status, roles: (reply.body?.token?.roles ?? []).map((role) => role.name).sort() };
  }

  async listCredentials(userId?: string): Promise<KeystoneCredential[]> {
    const user = userId ?? (await this.admin()).userId;
    const reply = await this.call<{ application_credentials: KeystoneCredential[] }>('GET', `/users/${user}/application_credentials`);
    if (reply.status !== 200) throw new Error(`list credentials: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.application_credentials;
  }

  /** The credentials keyplan made for a declared key name (Keystone names them `<name>~<10 hex>`). */
  async credentialsOf(declared: string): Promise<KeystoneCredential[]> {
    return (await this.listCredentials()).filter((c) => c.name.startsWith(`${declared}~`));
  }

  /** The OS_* variables of another user of the Default domain, on the admin project. */
  userEnv(user: string, password: string): Record<string, string> {
    return { ...this.adminEnv(), OS_USERNAME: user, OS_PASSWORD: password };
  }

  /** Creates an application credential directly ("out of band"), with its secret. */
  async createCredential(input: { name: string; description?: string; roles?: string[]; unrestricted?: boolean }): Promise<KeystoneCredential & { secret: string }> {
    const { userId } = await this.admin();
    const body = { application_credential: { ...input, roles: (input.roles ?? ['reader']).map((name) => ({ name })) } };
    const reply = await this.call<{ application_credential: KeystoneCredential & { secret: string } }>('POST', `/users/${userId}/application_credentials`, { body });
    if (reply.status !== 201) throw new Error(`create credential ${input.name}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.application_credential;
  }

  async deleteCredential(id: string): Promise<void> {
    const { userId } = await this.admin();
    const reply = await this.call('DELETE', `/users/${userId}/application_credentials/${id}`);
    if (reply.status !== 204) throw new Error(`delete credential ${id}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  /** Deletes every application credential of the admin, so a test starts from none. */
  async resetCredentials(): Promise<void> {
    for (const credential of await this.listCredentials()) await this.deleteCredential(credential.id);
  }

  /** A user holding `roles` on the admin project (for tests of a credential that lacks a role). */
  async createUser(name: string, roles: string[]): Promise<{ id: string; password: string }> {
    const password = `Ku1-${randomBytes(12).toString('hex')}`;
    this.onSecret(password);
    const { projectId } = await this.admin();
    const user = await this.call<{ user: { id: string } }>('POST', '/users', { body: { user: { name, password, domain_id: 'default' } } });
    if (user.status !== 201) throw new Error(`create user ${name}: HTTP ${user.status} ${JSON.stringify(user.body)}`);
    const known = await this.call<{ roles: { id: string; name: string }[] }>('GET', '/roles');
    for (const role of roles) {
      const id = known.body.roles.find((r) => r.name === role)?.id;
      const grant = await this.call('PUT', `/projects/${projectId}/users/${user.body.user.id}/roles/${id}`);
      if (grant.status !== 204) throw new Error(`grant ${role} to ${name}: HTTP ${grant.status}`);
    }
    return { id: user.body.user.id, password };
  }
}

function configText(dir: string): string {
  return [
    '[DEFAULT]',
    'use_stderr = true',
    '[database]',
    `connection = sqlite:///${join(dir, 'keystone.db')}`,
    '[fernet_tokens]',
    `key_repository = ${join(dir, 'fernet-keys')}`,
    '[fernet_receipts]',
    `key_repository = ${join(dir, 'fernet-keys')}`,
    '[credential]',
    `key_repository = ${join(dir, 'credential-keys')}`,
    '[identity]',
    // bcrypt's default cost makes a credential create take ~420 ms; 4 rounds ~145 ms (a test instance only).
    'password_hash_rounds = 4',
    '[token]',
    'provider = fernet',
    '',
  ].join('\n');
}

function secretsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === 'secret' && typeof inner === 'string' ? [inner] : secretsIn(inner)));
}

/**
 * One real Keystone for a whole test file (see `startMs` for how long a fresh start took): started before the
 * file's tests, stopped after them, its logs and database scanned for every secret it handed out. Each test
 * starts with no application credentials.
 */
export function useKeystone(): () => KeystoneServer {
  let server: KeystoneServer | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-keystone-'));
    server = await KeystoneServer.start({ dir });
    process.stderr.write(`Keystone: a fresh instance answered after ${server.startMs} ms\n`);
  }, 20 * 60_000);
  beforeEach(async () => {
    await server?.resetCredentials();
  });
  afterAll(async () => {
    if (!server) return;
    await server.stop();
    const scan = assertServerKeptNoSecrets('Keystone', server.seen, server.output(), join(server.dir, 'keystone.db'));
    await scan.finally(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));
  }, 60_000);
  return () => {
    if (!server) throw new Error('useKeystone(): Keystone is not running');
    return server;
  };
}
