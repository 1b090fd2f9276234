import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { describeRun, type CliResult } from './cli.js';
import type { KeyService } from './key-service.js';
import { httpProvider, type KeysYamlKey } from './keys-yaml.js';
import type { E2eWorkspace } from './workspace.js';

export const TOKEN_ENV = 'KP_E2E_TOKEN';

/** A key as the key service API returns it. */
export interface WireKey {
  id: string;
  name: string;
  description: string;
  roles: string[];
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  metadata: Record<string, string>;
}

/**
 * Where apply sends its changes (`providers.main` of keys.yaml) and the service that can answer for the
 * same keys: for an `http` provider the service itself, for a `local` one a `keyplan serve` on the same file.
 */
export interface ApplyTarget {
  provider: Record<string, unknown>;
  service: KeyService;
  /**
   * The service reads a database another process (the CLI's local provider) writes. It caches who a bearer
   * token is for up to a second (AUTH_CACHE_MS), so a revoke made by the CLI reaches it within that window.
   */
  sharesStoreWithCli?: boolean;
}

export function httpTarget(service: KeyService, url = service.url): ApplyTarget {
  return { provider: httpProvider(url, TOKEN_ENV), service };
}

/** A `local` provider at `path` (default `.keyplan/keys.db`), with a key service serving that same SQLite file (and its pepper). */
export async function localTarget(ws: E2eWorkspace, path = '.keyplan/keys.db'): Promise<ApplyTarget> {
  const service = await ws.startKeyService({ dbPath: ws.path(...path.split('/')) });
  return { provider: { type: 'local', path }, service, sharesStoreWithCli: true };
}

export function writeConfig(ws: E2eWorkspace, target: ApplyTarget, keys: KeysYamlKey[], policy?: Record<string, unknown>): Promise<string> {
  return ws.writeKeysYaml({ providers: { main: target.provider }, ...(policy ? { policy } : {}), keys });
}

/** `keyplan apply ...args` with the provider token in the environment. */
export function apply(ws: E2eWorkspace, target: ApplyTarget, args: string[] = ['--auto-approve']): Promise<CliResult> {
  return ws.run(['apply', ...args], { env: { [TOKEN_ENV]: target.service.adminKey } });
}

export async function expectExit(result: CliResult | Promise<CliResult>, code: number): Promise<CliResult> {
  const settled = await result;
  expect(settled.exitCode, describeRun(settled)).toBe(code);
  return settled;
}

/** Every key the service holds, revoked ones included, in creation order. */
export async function allKeys(service: KeyService): Promise<WireKey[]> {
  const reply = await service.call<{ keys: WireKey[]; next_cursor: string | null }>('GET', '/v1/keys?limit=1000&include_revoked=true');
  expect(reply.status).toBe(200);
  expect(reply.body.next_cursor).toBeNull();
  return reply.body.keys;
}

export async function activeKeys(service: KeyService): Promise<WireKey[]> {
  return (await allKeys(service)).filter((key) => key.revoked_at === null);
}

export async function activeByName(service: KeyService, name: string): Promise<WireKey> {
  const found = (await activeKeys(service)).filter((key) => key.name === name);
  expect(found, `active keys named ${name}`).toHaveLength(1);
  return found[0] as WireKey;
}

/** The HTTP status of GET /v1/whoami with `secret` as the bearer token (200: it works, 401: it does not), and who it is. */
export async function whoami(service: KeyService, secret: string): Promise<{ status: number; name: string | undefined }> {
  const reply = await service.call<{ key?: { name: string } | null }>('GET', '/v1/whoami', { token: secret });
  return { status: reply.status, name: reply.body?.key?.name ?? undefined };
}

/**
 * Asserts that `secret` no longer authenticates. A service that revoked the key itself must refuse it at once; one
 * reading a database the CLI wrote may keep it for its one-second auth cache, so it is asked again until the
 * window has passed (and then must refuse it).
 */
export async function expectRevoked(target: ApplyTarget, secret: string): Promise<void> {
  if (target.sharesStoreWithCli) {
    const deadline = Date.now() + 1_500;
    while (Date.now() < deadline && (await whoami(target.service, secret)).status !== 401) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  expect((await whoami(target.service, secret)).status).toBe(401);
}

export async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/**
 * The variables of a dotenv file apply wrote (values may be JSON-quoted). Every value is registered as a
 * secret of the workspace, so the leak scan looks for it everywhere else.
 */
export async function readSecretsFile(ws: E2eWorkspace, relativePath: string): Promise<Map<string, string>> {
  const text = await readFile(ws.path(relativePath), 'utf8');
  const values = new Map<string, string>();
  if (relativePath.endsWith('.json')) {
    for (const [name, value] of Object.entries(JSON.parse(text) as Record<string, string>)) values.set(name, value);
  } else {
    for (const line of text.split('\n')) {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!match) continue;
      const raw = match[2] as string;
      values.set(match[1] as string, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    }
  }
  for (const value of values.values()) ws.secrets.addSecret(value);
  return values;
}

export async function secretIn(ws: E2eWorkspace, relativePath: string, variable: string): Promise<string> {
  const value = (await readSecretsFile(ws, relativePath)).get(variable);
  expect(value, `${variable} in ${relativePath}`).toMatch(/^kp_/);
  return value as string;
}

/** `.keyplan/recovery-*.env` files apply wrote, relative to the workspace. */
export async function recoveryFiles(ws: E2eWorkspace): Promise<string[]> {
  const names = await readdir(ws.path('.keyplan')).catch(() => [] as string[]);
  return names.filter((name) => /^recovery-.*\.env$/.test(name)).map((name) => join('.keyplan', name));
}

/**
 * The leak sweep over the files a test wrote: every secret in `sinkFiles` and in recovery files is
 * registered, and every other file in the workspace (plan files, journal, keys.yaml, databases, reports)
 * is recorded for the scan the workspace runs when it is disposed.
 */
export async function sweepFiles(ws: E2eWorkspace, sinkFiles: string[]): Promise<void> {
  const allowed = new Set([...sinkFiles, ...(await recoveryFiles(ws))]);
  for (const sink of allowed) await readSecretsFile(ws, sink).catch(ignoreMissing);
  for (const file of await walk(ws.dir)) {
    const rel = relative(ws.dir, file);
    if (!allowed.has(rel)) await ws.secrets.recordFile(`file ${rel}`, file);
  }
  expect(ws.secrets.secrets.length).toBeGreaterThan(0);
}

async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
