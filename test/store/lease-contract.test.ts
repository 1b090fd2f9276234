import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import type { Store } from '../../src/store/contract.js';
import { BACKENDS, makeBackend, type Backend } from './backends.js';

const holder = { pid: 4242, host: 'runner-1', startedAt: '2030-01-01T00:00:00Z', run: 'https://ci.example.com/1' };

// The lease half of the store contract, on SQLite and on a real PostgreSQL alike.
describe.each(BACKENDS)('Store lease contract on %s', (backendName) => {
  let backend: Backend;
  let now: number;
  const clock = () => now;
  const open = (): Promise<Store> => backend.open({ clock, pepper: 'a-test-pepper-of-enough-bytes' });

  beforeEach(async () => {
    backend = await makeBackend(backendName);
    now = Date.parse('2030-01-01T00:00:00Z');
  });
  afterEach(async () => {
    await backend.dispose();
  });

  it('holds one lease per ownership, across two stores on one database, until it expires or is released', async () => {
    const a = await open();
    const b = await open();
    const taken = await a.acquireLease({ ownership: 'acme/x', holder, ttlSeconds: 60, actor: 'key_a' });
    expect(taken).toMatchObject({ acquired: true, lease: { ownership: 'acme/x', holder, acquiredAt: now, expiresAt: now + 60_000 } });
    if (!taken.acquired) throw new Error('not acquired');
    expect(await b.acquireLease({ ownership: 'acme/x', holder: { ...holder, pid: 1 }, ttlSeconds: 60 })).toEqual({ acquired: false, held: taken.lease });
    expect((await b.acquireLease({ ownership: 'acme/y', holder, ttlSeconds: 60 })).acquired).toBe(true);
    expect(await b.currentLease('acme/x')).toEqual(taken.lease);

    now += 30_000;
    expect(await b.renewLease(taken.lease.id, 60)).toEqual({ ...taken.lease, expiresAt: now + 60_000 });
    now += 60_000;
    expect(await a.currentLease('acme/x')).toBeUndefined();
    expect(await a.renewLease(taken.lease.id, 60)).toBeUndefined();
    expect(await a.releaseLease(taken.lease.id)).toBeUndefined();
    const next = await b.acquireLease({ ownership: 'acme/x', holder, ttlSeconds: 10, actor: 'key_b' });
    if (!next.acquired) throw new Error('an expired lease must be replaced');
    expect(await a.releaseLease(next.lease.id, { actor: 'key_a' })).toEqual(next.lease);
    expect(await a.releaseLease(next.lease.id)).toBeUndefined();
    expect(await b.currentLease('acme/x')).toBeUndefined();

    const actions = (await a.listEvents({ limit: 100 })).events.map((event) => [event.action, event.actor]);
    expect(actions).toEqual([
      ['lease.acquired', 'key_a'],
      ['lease.acquired', 'local'],
      ['lease.acquired', 'key_b'],
      ['lease.force_released', 'key_a'],
    ]);
  });

  it('lets exactly one of many concurrent acquires of one ownership win, across stores', async () => {
    const stores = [await open(), await open()];
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (stores[i % 2] as Store).acquireLease({ ownership: 'race', holder: { ...holder, pid: i }, ttlSeconds: 60 })),
    );
    const winners = attempts.filter((attempt) => attempt.acquired);
    expect(winners).toHaveLength(1);
    const lease = (winners[0] as { lease: unknown }).lease;
    for (const attempt of attempts) if (!attempt.acquired) expect(attempt.held).toEqual(lease);
    expect(await backend.count('leases')).toBe(1);
  });

  it('refuses a ttl outside 5..3600 seconds and an empty ownership', async () => {
    const store = await open();
    for (const ttlSeconds of [4, 3601, 1.5]) {
      await expect(store.acquireLease({ ownership: 'a', holder, ttlSeconds })).rejects.toBeInstanceOf(StoreError);
    }
    await expect(store.acquireLease({ ownership: '', holder, ttlSeconds: 60 })).rejects.toMatchObject({ code: 'unprocessable' });
    const taken = await store.acquireLease({ ownership: 'a', holder, ttlSeconds: 5 });
    if (!taken.acquired) throw new Error('not acquired');
    await expect(store.renewLease(taken.lease.id, 0)).rejects.toMatchObject({ code: 'unprocessable' });
  });
});
