import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/postgres.js';
import { openSocket, readOneAnswer } from './raw-http.js';

const BIN = fileURLToPath(new URL('../../bin/keyplan.js', import.meta.url));
const ADMIN = 'cli-test-bootstrap-admin-key-abcdefghijklmnop';
let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function serve(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, KEYPLAN_ADMIN_KEY: ADMIN, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /^keyplan serve listening on (http:\/\/127\.0\.0\.1:(\d+)) \(db: (.+)\)$/m.exec(stdout);
      if (match) resolve(match[1] as string);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  listening.catch(() => undefined); // tests that expect an exit await `exited` instead
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

describe('keyplan serve (the real CLI)', () => {
  it('prints the listening line, serves requests, and exits 0 on SIGTERM without logging secrets', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-cli-'));
    const db = join(dir, 'keys.db');
    const server = serve(['--db', db]);
    const url = await server.listening;
    expect(server.output().stderr).toContain(`created a new database ${db}`);
    expect(server.output().stdout).toContain(`(db: ${db})`);

    const created = await request(`${url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'cli-key', roles: ['READONLY'] }),
    });
    expect(created.statusCode).toBe(201);
    const { secret } = (await created.body.json()) as { secret: string };
    const whoami = await request(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${secret}` } });
    expect(whoami.statusCode).toBe(200);
    expect(await whoami.body.json()).toMatchObject({ key: { name: 'cli-key' }, bootstrap: false });
    const pasted = await request(`${url}/v1/keys/${secret}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(pasted.statusCode).toBe(404);
    await pasted.body.text();

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const { stdout, stderr } = server.output();
    expect(stderr).toContain('POST /v1/keys 201');
    expect(stderr).toContain('GET /v1/keys/{id} 404');
    for (const text of [stdout, stderr]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(ADMIN);
    }
    expect((await readFile(`${db}.pepper`, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('logs every request, in order and before shutting down, and the requests finishing during shutdown after it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-cli-'));
    const server = serve(['--db', join(dir, 'keys.db')]);
    const url = await server.listening;
    const whoami = () => request(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${ADMIN}` } }).then(async (answer) => (await answer.body.text(), answer.statusCode));
    expect(await Promise.all(Array.from({ length: 40 }, whoami))).toEqual(Array(40).fill(200));
    expect(await request(`${url}/v1/nowhere`).then(async (answer) => (await answer.body.text(), answer.statusCode))).toBe(404);
    // A verify whose body is still on its way when SIGTERM comes: it is finished, and logged, after the message.
    const socket = await openSocket(url);
    const body = JSON.stringify({ key: 'kp_unknown' });
    socket.write(`POST /v1/verify HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${ADMIN}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
    const answer = readOneAnswer(socket);
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.child.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!server.output().stderr.includes('shutting down')) return;
        clearInterval(poll);
        resolve();
      }, 10);
    });
    socket.write(body);
    expect((await answer).status).toBe(200);
    socket.end();
    expect(await server.exited).toBe(0);
    const lines = server.output().stderr.split('\n').filter((line) => line !== '');
    const requestLines = lines.filter((line) => / (GET|POST) /.test(line));
    expect(requestLines).toHaveLength(42);
    for (const line of requestLines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (GET|POST) \S+.* \d{3} \d+\.\dms$/);
    expect(requestLines.slice(0, 40).every((line) => / GET \/v1\/whoami 200 /.test(line))).toBe(true);
    expect(requestLines[40]).toMatch(/ GET \(no such endpoint\) 404 /);
    const shutdown = lines.findIndex((line) => line.includes('shutting down'));
    expect(lines.indexOf(requestLines[40] as string)).toBeLessThan(shutdown);
    expect(lines.indexOf(requestLines[41] as string)).toBeGreaterThan(shutdown);
    expect(requestLines[41]).toMatch(/ POST \/v1\/verify 200 /);
  });

  it('refuses an invalid roles file with its position and exit code 1', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-cli-'));
    const roles = join(dir, 'roles.yaml');
    await writeFile(roles, 'roles:\n  READER:\n    description: reads\n    permissions: [keys:read, "keys:reed"]\n');
    const server = serve(['--db', join(dir, 'keys.db'), '--roles', roles]);
    expect(await server.exited).toBe(1);
    expect(server.output().stderr).toContain(`${roles}:4:30: unknown key-service permission "keys:reed"`);
  });

  it('refuses a --db in a missing directory and a short admin key, each in one line with exit code 1', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-cli-'));
    const missing = serve(['--db', join(dir, 'missing', 'keys.db')]);
    expect(await missing.exited).toBe(1);
    expect(missing.output().stderr.trim()).toMatch(/^Error: the directory of --db .*missing\/keys\.db does not exist: create it \(mkdir -p .*\)[^\n]*$/);
    const short = serve(['--db', join(dir, 'keys.db')], { KEYPLAN_ADMIN_KEY: 'too-short' });
    expect(await short.exited).toBe(1);
    expect(short.output().stderr).toContain('KEYPLAN_ADMIN_KEY must be at least 32 characters');
    expect(short.output().stderr).not.toContain('too-short');
  });

  it('warns when listening beyond loopback without TLS', async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyplan-cli-'));
    const server = serve(['--db', join(dir, 'keys.db'), '--host', '0.0.0.0']);
    await new Promise<void>((resolve) => server.child.stdout.on('data', () => server.output().stdout.includes('listening on') && resolve()));
    server.child.kill('SIGTERM');
    expect(await server.exited, JSON.stringify(server.output())).toBe(0);
    expect(server.output().stderr).toContain('warning: listening on 0.0.0.0 without TLS');
  });

  it('serves a PostgreSQL database named by KEYPLAN_DATABASE_URL, and refuses one without KEYPLAN_PEPPER or that does not answer', async () => {
    const db = await freshDatabase('kp_cli');
    const pepper = 'cli-test-pepper-0123456789abcdef';
    const noPepper = serve([], { KEYPLAN_DATABASE_URL: db, KEYPLAN_PEPPER: undefined });
    expect(await noPepper.exited).toBe(1);
    expect(noPepper.output().stderr).toMatch(/^Error: postgres:\/\/\S+: set KEYPLAN_PEPPER .* to use a PostgreSQL database/m);
    expect(noPepper.output().stderr).not.toMatch(/\n\s+at /);

    const server = serve(['--db-pool-size', '2'], { KEYPLAN_DATABASE_URL: db, KEYPLAN_PEPPER: pepper });
    const url = await server.listening;
    expect(server.output().stdout).toContain(`(db: ${db})`);
    const ready = await request(`${url}/v1/ready`);
    expect(await ready.body.json()).toEqual({ status: 'ready', store: 'postgres' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const closed = new URL(db);
    closed.port = '1';
    const unreachable = serve(['--db', closed.toString()], { KEYPLAN_PEPPER: pepper });
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.output().stderr).toMatch(/cannot open postgres:\/\/postgres@127\.0\.0\.1:1\/kp_cli_\S+: .*ECONNREFUSED/);

    const badPool = serve(['--db', db, '--db-pool-size', 'lots'], { KEYPLAN_PEPPER: pepper });
    expect(await badPool.exited).toBe(1);
    expect(badPool.output().stderr).toContain('--db-pool-size must be a whole number from 1 to 10000, not "lots"');
  });
});
