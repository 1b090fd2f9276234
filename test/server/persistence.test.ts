import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => {
  await h.stop();
});

describe('persistence', () => {
  it('keeps keys across a restart and never writes a plaintext secret to the database files', async () => {
    const kept = await h.createKey('kept', ['READONLY'], { expires_in: '30d', metadata: { 'managed-by': 'keyplan' } });
    const replayed = await h.call('POST', '/v1/keys', { body: { name: 'replayable', roles: ['READONLY'] }, headers: { 'idempotency-key': 'k-1' } });
    const revoked = await h.createKey('revoked', ['ADMIN']);
    await h.call('DELETE', `/v1/keys/${revoked.id}`);
    await h.call('POST', '/v1/shared-secret/rotate');
    await h.call('GET', '/v1/whoami', { token: kept.secret });

    // While running: the WAL and shared memory files hold recent pages.
    for (const [file, bytes] of await h.storedBytes()) {
      for (const secret of h.secrets) {
        expect(bytes.includes(Buffer.from(secret)), `${file} contains a secret`).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'utf16le')), `${file} contains a secret (UTF-16)`).toBe(false);
      }
    }
    expect(h.secrets.size).toBeGreaterThanOrEqual(5);

    await h.restart();
    const got = await h.call('GET', `/v1/keys/${kept.id}`);
    expect(got.body).toMatchObject({ name: 'kept', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' } });
    expect(got.body.last_used_at).not.toBeNull();
    expect((await h.call('GET', '/v1/whoami', { token: kept.secret })).status).toBe(200);
    expect((await h.call('GET', '/v1/whoami', { token: revoked.secret })).status).toBe(401);
    const again = await h.call('POST', '/v1/keys', { body: { name: 'replayable', roles: ['READONLY'] }, headers: { 'idempotency-key': 'k-1' } });
    expect(again.status).toBe(200);
    expect(again.body.secret).toBe(replayed.body.secret);

    await h.server.close();
    for (const [file, bytes] of await h.storedBytes()) {
      for (const secret of h.secrets) expect(bytes.includes(Buffer.from(secret)), `${file} contains a secret`).toBe(false);
    }
    await h.restart();
  });
});
