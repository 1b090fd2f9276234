import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

export const BIN = fileURLToPath(new URL('../../bin/keyplan.js', import.meta.url));
export const ADMIN = 'audit-e2e-bootstrap-admin-key-0123456789abcdef';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** `keyplan serve --port 0` as a child process; resolves once it prints where it listens. */
export async function startServe(db: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--quiet'], {
    env: { ...process.env, KEYPLAN_ADMIN_KEY: ADMIN, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) resolve(match[1] as string);
    });
    void exited.then(() => reject(new Error(`serve exited: ${stderr}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function call(url: string, method: 'POST', path: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

/** Creates a key through POST /v1/keys; returns its id and secret. */
export async function createKey(url: string, body: { name: string; description?: string; roles: string[]; expires_in?: string; metadata?: Record<string, string> }): Promise<{ id: string; secret: string }> {
  const { status, json } = await call(url, 'POST', '/v1/keys', body);
  if (status !== 201) throw new Error(`create ${body.name}: ${status} ${JSON.stringify(json)}`);
  return { id: (json.key as { id: string }).id, secret: json.secret as string };
}

/** Uses a key for real: POST /v1/verify records its last use. */
export async function useKey(url: string, secret: string): Promise<void> {
  const { status, json } = await call(url, 'POST', '/v1/verify', { key: secret });
  if (status !== 200 || json.valid !== true) throw new Error(`verify: ${status} ${JSON.stringify(json)}`);
}

export const MANAGED = { 'managed-by': 'keyplan' };
