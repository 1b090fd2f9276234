import { describe, expect, it } from 'vitest';
import { AuthCache } from '../../src/store/shared/auth-cache.js';

const SECRET = 'kp_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP';
const row = (n: number) => ({ id: `key_${n}`, secret_hash: Buffer.alloc(32, n) });

describe('AuthCache (key rows by presented secret, kept one second)', () => {
  it('names an entry by a salted digest: stable within a process, never the secret, different in another', () => {
    const cache = new AuthCache<ReturnType<typeof row>>();
    const name = cache.keyOf(SECRET);
    expect(cache.keyOf(SECRET)).toBe(name);
    expect(cache.keyOf(`${SECRET}x`)).not.toBe(name);
    expect(name).not.toContain(SECRET.slice(3, 11));
    expect(Buffer.from(name, 'base64')).toHaveLength(32);
    expect(new AuthCache().keyOf(SECRET)).not.toBe(name);
  });

  it('answers a row for less than a second after it was cached, and not when the clock went back', () => {
    const cache = new AuthCache<ReturnType<typeof row>>();
    const name = cache.keyOf(SECRET);
    expect(cache.get(name, 5_000)).toBeUndefined();
    cache.set(name, row(1), 5_000);
    expect(cache.get(name, 5_000)).toEqual(row(1));
    expect(cache.get(name, 5_999)).toEqual(row(1));
    expect(cache.get(name, 6_000)).toBeUndefined();
    expect(cache.get(name, 4_999)).toBeUndefined();
    cache.clear();
    expect(cache.get(name, 5_000)).toBeUndefined();
  });

  it('forgets every entry rather than grow past 10,000', () => {
    const cache = new AuthCache<ReturnType<typeof row>>();
    for (let n = 0; n < 10_000; n++) cache.set(`k${n}`, row(n % 256), 0);
    expect(cache.get('k0', 0)).toBeDefined();
    cache.set('one-more', row(1), 0);
    expect(cache.get('k0', 0)).toBeUndefined();
    expect(cache.get('k9999', 0)).toBeUndefined();
    expect(cache.get('one-more', 0)).toEqual(row(1));
  });
});
