import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, type Reply } from './harness.js';

let h: Harness;
const SEEDED = 2500;

beforeAll(async () => {
  h = await Harness.start();
  const store = h.server.store;
  for (let i = 0; i < SEEDED; i++) {
    const { key } = await store.createKey({ name: `seed-${String(i).padStart(4, '0')}`, roles: ['READONLY'] });
    if (i % 10 === 0) await store.revokeKey(key.id);
  }
}, 180_000); // 2,750 writes one by one; on PostgreSQL each is a round trip
afterAll(async () => {
  await h.stop();
});

async function pageThrough(query: string, limit: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const reply: Reply = await h.call('GET', `/v1/keys?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(reply.status).toBe(200);
    expect(reply.body.keys.length).toBeLessThanOrEqual(limit);
    names.push(...reply.body.keys.map((k: { name: string }) => k.name));
    cursor = reply.body.next_cursor;
    pages++;
  } while (cursor);
  return { names, pages };
}

describe('pagination', () => {
  it('walks thousands of keys in creation order without gaps or repeats', async () => {
    const all = await pageThrough('&include_revoked=true', 1000);
    expect(all.pages).toBe(3);
    expect(all.names).toHaveLength(SEEDED);
    expect(all.names).toEqual([...all.names].sort());
    expect(new Set(all.names).size).toBe(SEEDED);

    const small = await pageThrough('&include_revoked=true', 7);
    expect(small.names).toEqual(all.names);
  });

  it('skips revoked keys by default', async () => {
    const active = await pageThrough('', 1000);
    expect(active.names).toHaveLength(SEEDED - SEEDED / 10);
    expect(active.names).not.toContain('seed-0000');
    expect(active.names).not.toContain('seed-2490');
    expect(active.names).toContain('seed-2491');
  });

  it('defaults to 100 keys per page', async () => {
    const reply = await h.call('GET', '/v1/keys');
    expect(reply.body.keys).toHaveLength(100);
    expect(reply.body.next_cursor).not.toBeNull();
  });
});
