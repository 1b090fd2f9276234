import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const holder = (pid: number) => ({ pid, host: 'ci-runner-7', started_at: '2030-01-01T00:00:00Z', run: 'https://ci.example.com/jobs/42' });
const T0 = Date.parse('2030-01-01T00:00:00Z');

describe('apply leases', () => {
  it('gives exactly one of two concurrent POSTs for one ownership the lease; the other gets 409 naming the holder', async () => {
    h = await Harness.start();
    for (let round = 0; round < 5; round++) {
      const ownership = `acme/billing-${round}`;
      const replies = await Promise.all([1, 2].map((pid) => h!.call('POST', '/v1/leases', { body: { ownership, holder: holder(pid), ttl_seconds: 60 } })));
      const statuses = replies.map((reply) => reply.status).sort();
      expect(statuses).toEqual([201, 409]);
      const won = replies.find((reply) => reply.status === 201)!;
      const lost = replies.find((reply) => reply.status === 409)!;
      expect(won.headers.location).toBe(`/v1/leases/${won.body.id}`);
      expect(lost.body.error.code).toBe('conflict');
      expect(lost.body.error.details.lease).toEqual(won.body);
      expect(lost.body.error.message).toContain(`pid ${won.body.holder.pid} on ci-runner-7`);
      expect((await h!.call('GET', `/v1/leases?ownership=${encodeURIComponent(ownership)}`)).body).toEqual({ lease: won.body });
    }
    // Another ownership is free.
    expect((await h.call('POST', '/v1/leases', { body: { ownership: 'default', holder: holder(3), ttl_seconds: 5 } })).status).toBe(201);
  });

  it('lets a lease expire: it no longer shows, its renewal answers 404, and the next acquire replaces it silently', async () => {
    let now = T0;
    h = await Harness.start({ clock: () => now });
    const first = await h.call('POST', '/v1/leases', { body: { ownership: 'acme/x', holder: holder(1), ttl_seconds: 30 } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ ownership: 'acme/x', holder: holder(1), acquired_at: '2030-01-01T00:00:00.000Z', expires_at: '2030-01-01T00:00:30.000Z' });
    now += 20_000;
    const renewed = await h.call('PUT', `/v1/leases/${first.body.id}`, { body: { ttl_seconds: 30 } });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toEqual({ ...first.body, expires_at: '2030-01-01T00:00:50.000Z' });
    now += 29_000;
    expect((await h.call('POST', '/v1/leases', { body: { ownership: 'acme/x', holder: holder(2), ttl_seconds: 30 } })).status).toBe(409);
    now += 1_000; // exactly at expires_at: expired
    expect((await h.call('GET', '/v1/leases?ownership=acme%2Fx')).body).toEqual({ lease: null });
    const lost = await h.call('PUT', `/v1/leases/${first.body.id}`, { body: { ttl_seconds: 30 } });
    expect(lost.status).toBe(404);
    expect(lost.body.error.code).toBe('not_found');
    const second = await h.call('POST', '/v1/leases', { body: { ownership: 'acme/x', holder: holder(2), ttl_seconds: 30 } });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    // The first holder's renewal still fails: the lease it held is gone for good.
    expect((await h.call('PUT', `/v1/leases/${first.body.id}`, { body: { ttl_seconds: 30 } })).status).toBe(404);
    expect((await h.call('DELETE', `/v1/leases/${first.body.id}`)).status).toBe(404);
  });

  it('releases with DELETE (204, then 404), lets another key force-delete a lease, and records both as events', async () => {
    h = await Harness.start();
    const ci = await h.createKey('ci', ['ADMIN']);
    const operator = await h.createKey('operator', ['ADMIN']);
    const mine = await h.call('POST', '/v1/leases', { token: ci.secret, body: { ownership: 'a', holder: holder(1), ttl_seconds: 60 } });
    const released = await h.call('DELETE', `/v1/leases/${mine.body.id}`, { token: ci.secret });
    expect(released.status).toBe(204);
    expect((await h.call('DELETE', `/v1/leases/${mine.body.id}`, { token: ci.secret })).status).toBe(404);
    expect((await h.call('PUT', `/v1/leases/${mine.body.id}`, { token: ci.secret, body: { ttl_seconds: 60 } })).status).toBe(404);

    const stuck = await h.call('POST', '/v1/leases', { token: ci.secret, body: { ownership: 'a', holder: holder(2), ttl_seconds: 3600 } });
    expect(stuck.status).toBe(201);
    expect((await h.call('DELETE', `/v1/leases/${stuck.body.id}`, { token: operator.secret })).status).toBe(204);
    expect((await h.call('PUT', `/v1/leases/${stuck.body.id}`, { token: ci.secret, body: { ttl_seconds: 60 } })).status).toBe(404);
    expect((await h.call('POST', '/v1/leases', { token: operator.secret, body: { ownership: 'a', holder: holder(3), ttl_seconds: 60 } })).status).toBe(201);

    const events = (await h.call('GET', '/v1/events')).body.events.filter((event: { action: string }) => event.action.startsWith('lease.'));
    expect(events.map((event: { action: string; actor: string }) => [event.action, event.actor])).toEqual([
      ['lease.acquired', ci.id],
      ['lease.released', ci.id],
      ['lease.acquired', ci.id],
      ['lease.force_released', operator.id],
      ['lease.acquired', operator.id],
    ]);
    expect(events[3].details).toEqual({ lease_id: stuck.body.id, ownership: 'a', holder: { pid: 2, host: 'ci-runner-7' } });
  });

  it('needs a permission that changes keys: a read-only key can neither take, renew, release nor read a lease', async () => {
    h = await Harness.start();
    const reader = await h.createKey('reader', ['READONLY']);
    const held = await h.call('POST', '/v1/leases', { body: { ownership: 'a', holder: holder(1), ttl_seconds: 60 } });
    for (const [method, path, body] of [
      ['POST', '/v1/leases', { ownership: 'b', holder: holder(1), ttl_seconds: 60 }],
      ['PUT', `/v1/leases/${held.body.id}`, { ttl_seconds: 60 }],
      ['DELETE', `/v1/leases/${held.body.id}`, undefined],
      ['GET', '/v1/leases?ownership=a', undefined],
    ] as const) {
      const reply = await h.call(method, path, { token: reader.secret, ...(body ? { body } : {}) });
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.body.error.message).toBe('this key lacks the permission for this: any one of keys:create, keys:update, keys:revoke');
    }
    expect((await h.call('GET', '/v1/leases?ownership=a')).body.lease.id).toBe(held.body.id);
  });

  it('refuses bad lease requests with 422 naming every bad field', async () => {
    h = await Harness.start();
    const bad = await h.call('POST', '/v1/leases', {
      body: { ownership: '', holder: { pid: -1, host: '', started_at: 'yesterday', run: 'x'.repeat(201), extra: 1 }, ttl_seconds: 4, other: true },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.fields.map((field: { field: string }) => field.field).sort()).toEqual(
      ['holder.extra', 'holder.host', 'holder.pid', 'holder.run', 'holder.started_at', 'other', 'ownership', 'ttl_seconds'].sort(),
    );
    expect((await h.call('POST', '/v1/leases', { body: { ownership: 'a', holder: holder(1), ttl_seconds: 3601 } })).status).toBe(422);
    expect((await h.call('POST', '/v1/leases', { body: { ownership: 'a', holder: holder(1), ttl_seconds: 5.5 } })).status).toBe(422);
    expect((await h.call('GET', '/v1/leases')).status).toBe(422);
    const held = await h.call('POST', '/v1/leases', { body: { ownership: 'a', holder: holder(1), ttl_seconds: 5 } });
    expect((await h.call('PUT', `/v1/leases/${held.body.id}`, { body: { ttl_seconds: 0 } })).status).toBe(422);
    expect((await h.call('PUT', '/v1/leases/lease_unknown', { body: { ttl_seconds: 60 } })).status).toBe(404);
  });
});
