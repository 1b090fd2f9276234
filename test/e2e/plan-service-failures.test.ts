import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeRun, type CliResult } from './helpers/cli.js';
import { httpProvider, type KeysYamlKey } from './helpers/keys-yaml.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const TOKEN_ENV = 'KP_E2E_TOKEN';
const DECLARED: KeysYamlKey[] = [
  { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], deliver: [{ type: 'file', path: 'secrets.env', format: 'dotenv', var: 'BILLING' }] },
];

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function planAt(ws: E2eWorkspace, url: string, token: string | undefined, args: string[] = []): Promise<CliResult> {
  await ws.writeKeysYaml({ providers: { prod: httpProvider(url, TOKEN_ENV) }, keys: DECLARED });
  return ws.run(['plan', ...args], { env: { [TOKEN_ENV]: token } });
}

function expectCleanFailure(result: CliResult): void {
  expect(result.exitCode, describeRun(result)).toBe(1);
  expect(result.stderr).toMatch(/^Error: /);
  expect(result.stderr).not.toContain('    at ');
  expect(result.stderr).not.toContain('internal error');
}

describe('keyplan plan when the key service misbehaves', () => {
  const workspace = useWorkspace();

  it('names the URL of an unreachable service and exits 1 without a stack trace', async () => {
    const ws = workspace();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await planAt(ws, url, 'kp_some-token-that-is-never-sent-anywhere');
    expectCleanFailure(result);
    expect(result.stderr).toContain(`cannot reach key service at ${url}: ECONNREFUSED`);
    expect(result.stdout).toBe('');
  });

  it('retries a service that answers 500 a few times, then succeeds', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const proxy = await ws.startFaultProxy(service.url, (n) => (n <= 3 ? { status: 500 } : undefined));
    const result = await planAt(ws, proxy.url, service.adminKey);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('Plan: 1 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(proxy.injectedCount).toBe(3);
    // Every request the plan needs (keys, capabilities, roles, whoami) eventually went through.
    const forwarded = proxy.log.filter((line) => line.endsWith('-> 200'));
    expect(forwarded.map((line) => line.split(' ')[1]?.split('?')[0]).sort()).toEqual(['/v1/capabilities', '/v1/keys', '/v1/roles', '/v1/whoami']);
  });

  it('honours 429 with Retry-After: 0 and succeeds', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const proxy = await ws.startFaultProxy(service.url, (n) => (n <= 2 ? { status: 429, headers: { 'retry-after': '0' } } : undefined));
    const result = await planAt(ws, proxy.url, service.adminKey);
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('Plan: 1 to create');
    expect(proxy.injectedCount).toBe(2);
  });

  it('gives up on a service that keeps answering 500, saying how often it tried', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const proxy = await ws.startFaultProxy(service.url, () => ({ status: 500, body: { error: { code: 'internal', message: 'database on fire' } } }));
    const result = await planAt(ws, proxy.url, service.adminKey);
    expectCleanFailure(result);
    expect(result.stderr).toMatch(new RegExp(`the key service at ${proxy.url} answered HTTP 500, after 5 attempts: database on fire`));
  });

  it('explains a rejected token, naming the environment variable, without echoing the token', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const wrong = 'kp_this-token-was-never-issued-by-the-service';
    ws.secrets.addSecret(wrong);
    const result = await planAt(ws, service.url, wrong);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`the key service at ${service.url} rejected the token in $${TOKEN_ENV}`);
  });

  it('names the missing token variable and exits 1', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const result = await planAt(ws, service.url, undefined);
    expectCleanFailure(result);
    expect(result.stderr).toContain(`needs a key service token in the environment variable ${TOKEN_ENV}, which is not set`);
    expect(result.stderr).toContain(service.url);
  });
});
