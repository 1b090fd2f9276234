import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgCluster } from '../helpers/pg-cluster.mjs';
import { freshDatabase } from '../helpers/postgres.js';
import { httpProvider, useWorkspace, type E2eWorkspace, type KeyService } from './helpers/index.js';

// Two real `keyplan serve` processes on one real PostgreSQL database behave as one service.

interface CreatedReply {
  key: { id: string; name: string; etag: string; last_used_at: string | null };
  secret: string;
}

async function twoInstances(ws: E2eWorkspace, db: string): Promise<[KeyService, KeyService, string]> {
  const pepper = `pepper-${randomBytes(16).toString('hex')}`;
  const adminKey = `kp-e2e-admin-${randomBytes(24).toString('hex')}`;
  const env = { KEYPLAN_PEPPER: pepper };
  const [a, b] = await Promise.all([ws.startKeyService({ dbPath: db, adminKey, env }), ws.startKeyService({ dbPath: db, adminKey, env })]);
  return [a, b, adminKey];
}

function create(service: KeyService, body: Record<string, unknown>, idempotencyKey?: string) {
  return service.call<CreatedReply>('POST', '/v1/keys', { body, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) });
}

describe('keyplan serve: two instances on one PostgreSQL database', () => {
  const workspace = useWorkspace('keyplan-pg-e2e-');

  it('keep names unique, replay idempotent creates across instances, and make one key from 50 concurrent retries', async () => {
    const ws = workspace();
    const [a, b] = await twoInstances(ws, await freshDatabase('kp_e2e'));
    expect(a.output().stdout).toMatch(/\(db: postgres:\/\/postgres@127\.0\.0\.1:\d+\/kp_e2e_/);

    const first = await create(a, { name: 'billing-reader', roles: ['READONLY'] });
    expect(first.status).toBe(201);
    const clash = await create(b, { name: 'billing-reader', roles: ['READONLY'] });
    expect(clash.status).toBe(409);
    expect(JSON.stringify(clash.body)).toContain(first.body.key.id);

    const original = await create(a, { name: 'deployer', roles: ['READONLY'] }, 'apply-run-1');
    const retried = await create(b, { name: 'deployer', roles: ['READONLY'] }, 'apply-run-1');
    expect([original.status, retried.status]).toEqual([201, 200]);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body.key.id).toBe(original.body.key.id);
    expect(retried.body.secret).toBe(original.body.secret);

    const storm = await Promise.all(
      Array.from({ length: 50 }, (_, i) => create(i % 2 ? a : b, { name: 'stormy', roles: ['READONLY'] }, 'one-key-please')),
    );
    expect(storm.map((reply) => reply.status).sort()).toEqual([...Array(49).fill(200), 201]);
    expect(new Set(storm.map((reply) => reply.body.key.id)).size).toBe(1);
    expect(new Set(storm.map((reply) => reply.body.secret)).size).toBe(1);
    const listed = await b.call<{ keys: { name: string }[] }>('GET', '/v1/keys?limit=100');
    expect(listed.body.keys.map((key) => key.name).sort()).toEqual(['billing-reader', 'deployer', 'stormy']);
  });

  it('apply exactly one of two If-Match edits of one version, and stop a revoked key on every instance within 1 s', async () => {
    const ws = workspace();
    const [a, b] = await twoInstances(ws, await freshDatabase('kp_e2e'));
    const created = await create(a, { name: 'edited', roles: ['READONLY'] });
    const edits = await Promise.all(
      [a, b].map((service, i) =>
        service.call('PATCH', `/v1/keys/${created.body.key.id}`, { body: { description: `by ${i}` }, headers: { 'if-match': created.body.key.etag } }),
      ),
    );
    expect(edits.map((reply) => reply.status).sort()).toEqual([200, 412]);

    const secret = created.body.secret;
    expect((await b.call('GET', '/v1/whoami', { token: secret })).status).toBe(200); // b now holds the key in its auth cache
    expect((await a.call('DELETE', `/v1/keys/${created.body.key.id}`)).status).toBe(200);
    const revokedAt = Date.now();
    expect((await a.call('GET', '/v1/whoami', { token: secret })).status).toBe(401);
    await sleep(Math.max(0, revokedAt + 1_000 - Date.now()));
    expect((await b.call('GET', '/v1/whoami', { token: secret })).status).toBe(401);
    const verified = await b.call<{ valid: boolean; reason: string }>('POST', '/v1/verify', { body: { key: secret } });
    expect(verified.body).toMatchObject({ valid: false, reason: 'revoked' });
  });

  it('lets keyplan apply through one instance and plan through the other', async () => {
    const ws = workspace();
    const [a, b, adminKey] = await twoInstances(ws, await freshDatabase('kp_e2e'));
    const keys = [{ name: 'reporting', description: 'Reads reports', roles: ['READONLY'], expires: '90d' }];
    await ws.writeKeysYaml({ providers: { prod: httpProvider(a.url, 'KP_TOKEN') }, keys });
    const applied = await ws.run(['apply', '--auto-approve', '--secrets-out', 'secrets.env'], { env: { KP_TOKEN: adminKey } });
    expect(applied.exitCode, applied.stderr).toBe(0);
    ws.secrets.addSecret((await ws.readFile('secrets.env')).split('=')[1]?.trim() ?? '');
    await ws.writeKeysYaml({ providers: { prod: httpProvider(b.url, 'KP_TOKEN') }, keys });
    const planned = await ws.run(['plan', '--detailed-exitcode'], { env: { KP_TOKEN: adminKey } });
    expect(planned.exitCode, planned.stdout + planned.stderr).toBe(0);
  });
});

describe('keyplan serve: PostgreSQL stops and starts again', () => {
  const workspace = useWorkspace('keyplan-pg-restart-');
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.start();
  });
  afterAll(async () => {
    await cluster.destroy();
  });

  it('answers 503 with Retry-After while the database is down, stays up, and recovers by itself', async () => {
    const ws = workspace();
    const [a, b] = await twoInstances(ws, await cluster.createDatabase('kp_restart'));
    const before = await create(a, { name: 'before-restart', roles: ['READONLY'] });
    expect(before.status).toBe(201);

    await cluster.stopServer();
    for (const service of [a, b]) {
      const listed = await service.call<{ error: { code: string } }>('GET', '/v1/keys');
      expect(listed.status).toBe(503);
      expect(listed.body.error.code).toBe('unavailable');
      expect(Number(listed.headers['retry-after'])).toBeGreaterThan(0);
      expect((await service.call('GET', '/v1/health', { token: null })).status).toBe(200);
      expect((await service.call('GET', '/v1/ready', { token: null })).status).toBe(503);
    }
    expect((await create(b, { name: 'while-down', roles: ['READONLY'] })).status).toBe(503);

    await cluster.startServer();
    for (const service of [a, b]) {
      let ready = 0;
      for (let attempt = 0; attempt < 100 && ready !== 200; attempt++) {
        ready = (await service.call('GET', '/v1/ready', { token: null })).status;
        if (ready !== 200) await sleep(100);
      }
      expect(ready).toBe(200);
    }
    const after = await create(b, { name: 'after-restart', roles: ['READONLY'] });
    expect(after.status).toBe(201);
    expect((await a.call('GET', '/v1/whoami', { token: before.body.secret })).status).toBe(200);
    const listed = await a.call<{ keys: { name: string }[] }>('GET', '/v1/keys');
    expect(listed.body.keys.map((key) => key.name)).toEqual(['before-restart', 'after-restart']);
  });
});
