import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

describe('authentication', () => {
  it('answers a missing, unknown and wrong key alike with 401', async () => {
    h = await Harness.start();
    const key = await h.createKey('real', ['READONLY']);
    const wrong = `${key.secret.slice(0, -4)}AAAA`;
    const replies = await Promise.all([
      h.call('GET', '/v1/keys', { token: null }),
      h.call('GET', '/v1/keys', { token: 'kp_doesnotexist' }),
      h.call('GET', '/v1/keys', { token: wrong }),
      h.call('GET', '/v1/keys', { token: 'garbage' }),
    ]);
    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(replies[0]?.body);
    }
  });

  it('refuses expired and revoked keys with 401, and does not count them as use', async () => {
    const clock = manualClock();
    h = await Harness.start({ clock: clock.read });
    const expiring = await h.createKey('expiring', ['READONLY'], { expires_in: '1h' });
    const revoked = await h.createKey('revoked', ['READONLY']);
    const gateway = await h.createKey('gateway', ['ADMIN']);
    expect((await h.call('GET', '/v1/keys', { token: expiring.secret })).status).toBe(200);
    const usedAt = (await h.call('GET', `/v1/keys/${expiring.id}`)).body.last_used_at;

    clock.now += 2 * 3_600_000;
    await h.call('DELETE', `/v1/keys/${revoked.id}`);
    expect((await h.call('GET', '/v1/keys', { token: expiring.secret })).status).toBe(401);
    expect((await h.call('GET', '/v1/keys', { token: revoked.secret })).status).toBe(401);
    expect((await h.call('POST', '/v1/verify', { token: gateway.secret, body: { key: expiring.secret } })).body).toEqual({ valid: false, reason: 'expired' });
    expect((await h.call('POST', '/v1/verify', { token: gateway.secret, body: { key: revoked.secret } })).body).toEqual({ valid: false, reason: 'revoked' });
    expect((await h.call('GET', `/v1/keys/${expiring.id}`)).body.last_used_at).toBe(usedAt);
    expect((await h.call('GET', `/v1/keys/${revoked.id}`)).body.last_used_at).toBeNull();
  });

  it('answers failures past 20 a minute from one address with 429 and Retry-After, and never refuses a valid key', async () => {
    h = await Harness.start();
    for (let i = 0; i < 20; i++) expect((await h.call('GET', '/v1/whoami', { token: `kp_wrong${i}` })).status).toBe(401);
    const refused = await h.call('GET', '/v1/whoami', { token: 'kp_wrong-again' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await h.call('GET', '/v1/whoami', { token: ADMIN_KEY })).status).toBe(200);
  });

  it('answers failures with 401 again when the minute is over', async () => {
    const clock = manualClock();
    h = await Harness.start({ clock: clock.read, maxAuthFailuresPerMinute: 3 });
    for (let i = 0; i < 3; i++) await h.call('GET', '/v1/whoami', { token: null });
    expect((await h.call('GET', '/v1/whoami', { token: null })).status).toBe(429);
    clock.now += 61_000;
    expect((await h.call('GET', '/v1/whoami', { token: null })).status).toBe(401);
  });
});

describe('last use', () => {
  it('records management calls and verified keys, visible at once in get and list', async () => {
    const clock = manualClock();
    h = await Harness.start({ clock: clock.read });
    const reader = await h.createKey('reader', ['READONLY']);
    const gateway = await h.createKey('gw', ['ADMIN']);
    expect((await h.call('GET', `/v1/keys/${reader.id}`)).body.last_used_at).toBeNull();

    clock.now += 1000;
    await h.call('GET', '/v1/roles', { token: reader.secret });
    expect((await h.call('GET', `/v1/keys/${reader.id}`)).body.last_used_at).toBe(new Date(clock.now).toISOString());

    // A second use within the minute is coalesced (not written yet), but reads show it.
    clock.now += 5000;
    await h.call('POST', '/v1/verify', { token: gateway.secret, body: { key: reader.secret } });
    const expected = new Date(clock.now).toISOString();
    expect((await h.call('GET', `/v1/keys/${reader.id}`)).body.last_used_at).toBe(expected);
    const listed = await h.call('GET', '/v1/keys');
    expect(listed.body.keys.find((k: { id: string }) => k.id === reader.id).last_used_at).toBe(expected);

    // Flushed on shutdown: survives a restart.
    await h.restart();
    expect((await h.call('GET', `/v1/keys/${reader.id}`)).body.last_used_at).toBe(expected);
    expect((await h.call('GET', `/v1/keys/${gateway.id}`)).body.last_used_at).not.toBeNull();
  });
});

describe('shared secret and events', () => {
  it('rotates the shared secret (shown once) and logs management actions without secrets', async () => {
    h = await Harness.start();
    expect((await h.call('GET', '/v1/shared-secret')).body).toEqual({ exists: false });
    const rotated = await h.call('POST', '/v1/shared-secret/rotate');
    expect(rotated.body.secret).toMatch(/^kps_/);
    expect(rotated.body.secret.startsWith(rotated.body.prefix)).toBe(true);
    const info = await h.call('GET', '/v1/shared-secret');
    expect(info.body).toMatchObject({ exists: true, prefix: rotated.body.prefix, rotated_at: rotated.body.rotated_at });
    expect(JSON.stringify(info.body)).not.toContain(rotated.body.secret);
    expect(await h.server.store.sharedSecretMatches(rotated.body.secret)).toBe(true);

    const key = await h.createKey('evented', ['READONLY']);
    await h.call('PATCH', `/v1/keys/${key.id}`, { body: { description: 'changed' } });
    await h.call('DELETE', `/v1/keys/${key.id}`);
    const events = await h.call('GET', '/v1/events?limit=2');
    expect(events.body.events.map((e: { action: string }) => e.action)).toEqual(['shared_secret.rotated', 'key.created']);
    const rest = await h.call('GET', `/v1/events?cursor=${events.body.next_cursor}`);
    expect(rest.body.events.map((e: { action: string }) => e.action)).toEqual(['key.updated', 'key.revoked']);
    expect(rest.body.events[0]).toMatchObject({ actor: 'bootstrap', key_id: key.id, details: { changed: ['description'] } });
    expect(rest.body.next_cursor).toBeNull();
    const everything = JSON.stringify([events.body, rest.body]);
    for (const secret of h.secrets) expect(everything).not.toContain(secret);
  });
});
