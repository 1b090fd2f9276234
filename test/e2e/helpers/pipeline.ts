import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { expect } from 'vitest';
import type { CliResult } from './cli.js';
import type { KeyService } from './key-service.js';
import type { KeysYamlKey } from './keys-yaml.js';
import { activeKeys, readSecretsFile, TOKEN_ENV, type ApplyTarget } from './apply-world.js';
import type { E2eWorkspace } from './workspace.js';

/** A key delivering to one dotenv file under `var`. */
export function dotenvKey(name: string, path: string, extra: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], expires: '30d', deliver: [{ type: 'file', path, format: 'dotenv', var: varOf(name) }], ...extra };
}

export function varOf(name: string): string {
  return `${name.toUpperCase()}_KEY`;
}

/** Starts the same `keyplan` command `count` times in one tick (no process can get ahead by being spawned first). */
export function startTogether(ws: E2eWorkspace, target: ApplyTarget, args: string[], count = 2, env: Record<string, string | undefined> = {}): Promise<CliResult[]> {
  const runs = Array.from({ length: count }, () => ws.start(args, { env: { [TOKEN_ENV]: target.service.adminKey, ...env } }));
  return Promise.all(runs.map((run) => run.done));
}

/** POST /v1/verify: the name of the live key `secret` is, or undefined when it is no live key. */
export async function verifiedName(service: KeyService, secret: string): Promise<string | undefined> {
  const reply = await service.call<{ valid: boolean; key?: { name: string } }>('POST', '/v1/verify', { body: { key: secret } });
  expect(reply.status).toBe(200);
  return reply.body.valid ? reply.body.key?.name : undefined;
}

/**
 * The end state a pipeline must reach: one live key per declared name, and in the sink file a secret per key
 * that verifies as that live key (never a revoked one).
 */
export async function expectDelivered(ws: E2eWorkspace, service: KeyService, sink: string, names: readonly string[]): Promise<void> {
  const live = await activeKeys(service);
  for (const name of names) expect(live.filter((key) => key.name === name).map((key) => key.name), `live keys named ${name}`).toEqual([name]);
  const secrets = await readSecretsFile(ws, sink);
  for (const name of names) {
    const secret = secrets.get(varOf(name));
    expect(secret, `${varOf(name)} in ${sink}`).toMatch(/^kp_/);
    expect(await verifiedName(service, secret as string), `the secret of ${name} in ${sink}`).toBe(name);
  }
}

/** The pid of a process that has ended (for a stale lock of this host). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid as number;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

/** An apply lock file as keyplan writes it, held by `pid` on this host. */
export function lockFileText(id: string, pid: number): string {
  return `${JSON.stringify({ id, pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'keyplan apply' })}\n`;
}
