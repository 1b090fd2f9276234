import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import { KEYPLAN_BIN, cleanEnv } from './cli.js';
import { stopChild, type ApiReply } from './http-call.js';

export interface StartKeyServiceOptions {
  /** A directory the service may write to; the database is `<dir>/keys.db` unless `dbPath` is given. */
  dir: string;
  dbPath?: string;
  /** The bootstrap admin credential (KEYPLAN_ADMIN_KEY). */
  adminKey: string;
  /** A roles file for `--roles`. */
  rolesFile?: string;
  /** More environment for the server process, e.g. KEYPLAN_PEPPER. */
  env?: Record<string, string | undefined>;
  /** More arguments for `keyplan serve`, e.g. `--console`. */
  args?: string[];
  /** Give up waiting for the listening line after this long. Default 20 s. */
  startTimeoutMs?: number;
}

export type { ApiReply } from './http-call.js';

export interface CreatedApiKey {
  id: string;
  name: string;
  secret: string;
}

/**
 * A real `keyplan serve --port 0` child process on 127.0.0.1, and a small client for its API.
 * `stop()` sends SIGTERM and waits for the exit (SIGKILL after 10 s).
 */
export class KeyService {
  /** Called with every secret an API answer carries (the workspace registers them for leak scans). */
  onSecret: (secret: string) => void = () => undefined;

  private constructor(
    readonly url: string,
    readonly port: number,
    readonly dbPath: string,
    readonly adminKey: string,
    private readonly child: ChildProcess,
    private readonly logs: { stdout: string; stderr: string },
  ) {}

  static async start(options: StartKeyServiceOptions): Promise<KeyService> {
    const dbPath = options.dbPath ?? join(options.dir, 'keys.db');
    // keyplan serve makes a database only in an existing directory.
    await mkdir(dirname(dbPath), { recursive: true });
    const args = [KEYPLAN_BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--db', dbPath];
    if (options.rolesFile) args.push('--roles', options.rolesFile);
    if (options.args) args.push(...options.args);
    const child = spawn(process.execPath, args, {
      cwd: options.dir,
      env: cleanEnv({ KEYPLAN_ADMIN_KEY: options.adminKey, ...options.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs = { stdout: '', stderr: '' };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (logs.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (logs.stderr += chunk));
    try {
      const url = await waitForListening(child, logs, options.startTimeoutMs ?? 20_000);
      return new KeyService(url, Number(new URL(url).port), dbPath, options.adminKey, child, logs);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** What the server printed so far (request log lines on stderr). */
  output(): { stdout: string; stderr: string } {
    return { ...this.logs };
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  /** A JSON request as the admin (or with `token`; null sends none). */
  async call<T = unknown>(
    method: string,
    path: string,
    options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiReply<T>> {
    const token = options.token === undefined ? this.adminKey : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await request(`${this.url}${path}`, { method: method as 'GET', headers, body });
    const text = await response.body.text();
    const parsed = (text === '' ? undefined : JSON.parse(text)) as T;
    const secret = (parsed as { secret?: unknown } | undefined)?.secret;
    if (typeof secret === 'string') this.onSecret(secret);
    return { status: response.statusCode, headers: response.headers, body: parsed };
  }

  /** POST /v1/keys as the admin; fails the test on anything but 201. `extra`: description, metadata, expires_in, ... */
  async createKey(name: string, roles: string[], extra: Record<string, unknown> = {}): Promise<CreatedApiKey> {
    const reply = await this.call<{ key: { id: string }; secret: string }>('POST', '/v1/keys', { body: { name, roles, ...extra } });
    if (reply.status !== 201) throw new Error(`create ${name}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    return { id: reply.body.key.id, name, secret: reply.body.secret };
  }

  /** DELETE /v1/keys/{id} as the admin (a revoke "out of band"). */
  async revokeKey(id: string): Promise<void> {
    const reply = await this.call('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
    if (reply.status !== 200) throw new Error(`revoke ${id}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  }

  /** Uses a key the way an API gateway would (POST /v1/verify), which records its last use. */
  async useKey(secret: string): Promise<void> {
    const reply = await this.call<{ valid?: boolean }>('POST', '/v1/verify', { body: { key: secret } });
    if (reply.status !== 200 || reply.body.valid !== true) throw new Error(`verify: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  }
}

async function waitForListening(child: ChildProcess, logs: { stdout: string; stderr: string }, timeoutMs: number): Promise<string> {
  const pattern = /^keyplan serve listening on (https?:\/\/[^\s]+) \(db: .+\)$/m;
  return new Promise<string>((resolve, reject) => {
    const done = (error?: Error, url?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', exited);
      if (error) reject(error);
      else resolve(url as string);
    };
    const check = () => {
      const match = pattern.exec(logs.stdout);
      if (match) done(undefined, match[1]);
    };
    const exited = (code: number | null) => done(new Error(`keyplan serve exited (${code}) before listening:\n${logs.stderr}`));
    const timer = setTimeout(() => done(new Error(`keyplan serve did not print its listening line within ${timeoutMs} ms:\n${logs.stderr}`)), timeoutMs);
    child.stdout?.on('data', check);
    child.on('exit', exited);
    check();
  });
}
