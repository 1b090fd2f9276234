// A full disk, for real: the database lives on a 2 MiB tmpfs (mounting needs root; the test is skipped without it).
// Writes answer 507 JSON, reads and verification keep working, nothing crashes the process, and it recovers by itself.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.js';

const ADMIN = 'full-disk-test-bootstrap-admin-key-0123456789';
const root = mkdtempSync(join(tmpdir(), 'keyplan-full-disk-'));
const mountPoint = join(root, 'tiny');
mkdirSync(mountPoint);

function tryMount(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const mounted = tryMount();

afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(root, { recursive: true, force: true });
});

/** Fills the file system with one file until it is full (bounded: the file system is 2 MiB). */
function fill(name: string): string {
  const path = join(mountPoint, name);
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (let i = 0; i < 1024; i++) writeSync(fd, chunk);
    throw new Error('the file system did not fill up');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // Also the last few bytes a smaller write could take.
  const tail = openSync(`${path}.tail`, 'w');
  try {
    for (let i = 0; i < 4096; i++) writeSync(tail, Buffer.alloc(1));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(tail);
  }
  return path;
}

function free(path: string): void {
  unlinkSync(path);
  unlinkSync(`${path}.tail`);
}

async function call(server: RunningServer, method: string, path: string, token = ADMIN, body?: unknown) {
  const response = await request(`${server.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe.skipIf(!mounted)('a full disk (2 MiB tmpfs)', () => {
  it('answers writes 507, keeps reads and verification working, logs a failing last-use write once, and recovers', async () => {
    const lines: string[] = [];
    const dbPath = join(mountPoint, 'keys.db');
    let server = await startServer({ dbPath, port: 0, adminKey: ADMIN, notice: (line) => lines.push(line), maintenanceIntervalMs: 20 });
    const client = await call(server, 'POST', '/v1/keys', ADMIN, { name: 'client', roles: ['READONLY'] });
    expect(client.status).toBe(201);
    const filler = fill('filler');

    const statuses: number[] = [];
    let refused: Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = 0; i < 300 && !refused; i++) {
      const reply = await call(server, 'POST', '/v1/keys', ADMIN, { name: `fill-${i}`, roles: ['READONLY'], description: 'x'.repeat(1000) });
      statuses.push(reply.status);
      if (reply.status === 507) refused = reply.body;
    }
    expect(statuses.filter((status) => status !== 201 && status !== 507)).toEqual([]);
    expect(refused?.error).toMatchObject({ code: 'insufficient_storage', message: expect.stringMatching(/disk is full/) });

    // The client's first use must be written, and cannot be.
    for (let i = 0; i < 3; i++) {
      expect((await call(server, 'POST', '/v1/verify', ADMIN, { key: client.body.secret })).body).toMatchObject({ valid: true });
      expect((await call(server, 'GET', '/v1/whoami', client.body.secret)).status).toBe(200);
    }
    expect((await call(server, 'GET', '/v1/keys')).status).toBe(200);
    expect(server.store.lastUseFailing).toBe(true);
    await sleep(200); // some maintenance rounds on the full disk: none may throw (that would end this process)
    expect(lines.filter((line) => line.includes('recording last use failed'))).toHaveLength(1);

    free(filler);
    expect((await call(server, 'POST', '/v1/keys', ADMIN, { name: 'after-space-returned', roles: ['READONLY'] })).status).toBe(201);
    await server.close();
    server = await startServer({ dbPath, port: 0, adminKey: ADMIN });
    try {
      expect((await call(server, 'GET', `/v1/keys/${client.body.key.id}`)).body.last_used_at).not.toBeNull();
    } finally {
      await server.close();
    }
  });

  it('refuses to start on a full disk with a one-line reason, leaves no keys.db and no partial pepper, and starts once space returns', async () => {
    const dir = join(mountPoint, 'fresh');
    mkdirSync(dir);
    const dbPath = join(dir, 'keys.db');
    const filler = fill('filler2');
    await expect(startServer({ dbPath, port: 0 })).rejects.toThrow(/^cannot open the database .*(full|disk)/);
    // No file at all: an empty keys.db beside a later pepper would read as a lost database.
    expect(readdirSync(dir)).toEqual([]);
    free(filler);
    const server = await startServer({ dbPath, port: 0 });
    expect(server.createdDatabase).toBe(true);
    await server.close();
  });
});
