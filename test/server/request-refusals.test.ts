// Requests the service must refuse rather than guess at: an ambiguous credential, bytes that are not text,
// a key with no role, a secret parked in metadata; and a client that walks away mid-body is its own event.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, Harness } from './harness.js';
import { openSocket, rawExchange } from './raw-http.js';

let h: Harness;
const logLines: string[] = [];

beforeAll(async () => {
  h = await Harness.start({ log: (line) => logLines.push(line) });
});
afterAll(async () => h.stop());

function rawCreate(url: string, body: Buffer, authorizations: string[]): ReturnType<typeof rawExchange> {
  const { host } = new URL(url);
  const head =
    `POST /v1/keys HTTP/1.1\r\nhost: ${host}\r\n` +
    authorizations.map((value) => `authorization: ${value}\r\n`).join('') +
    `content-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  return rawExchange(url, [head, body]);
}

async function keyNames(): Promise<string[]> {
  return (await h.call('GET', '/v1/keys?limit=1000')).body.keys.map((key: { name: string }) => key.name);
}

describe('requests the key service refuses', () => {
  it('refuses two Authorization headers in either order (400), as a proxy reading the other one would disagree', async () => {
    const body = Buffer.from(JSON.stringify({ name: 'two-credentials', roles: ['READONLY'] }));
    for (const order of [
      [`Bearer ${ADMIN_KEY}`, 'Bearer kp_bogus'],
      ['Bearer kp_bogus', `Bearer ${ADMIN_KEY}`],
    ]) {
      const answer = await rawCreate(h.server.url, body, order);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).error.message).toBe('send one Authorization header, not several');
    }
    expect(await keyNames()).not.toContain('two-credentials');
  });

  it('refuses a key name that is not valid UTF-8 (422) instead of storing U+FFFD', async () => {
    const prefix = Buffer.from('{"name":"caf');
    const body = Buffer.concat([prefix, Buffer.from([0xe9]), Buffer.from('","roles":["READONLY"]}')]);
    const answer = await rawCreate(h.server.url, body, [`Bearer ${ADMIN_KEY}`]);
    expect(answer.status).toBe(422);
    expect(JSON.parse(answer.body).error.details.fields).toEqual([{ field: '(body)', message: 'must be valid UTF-8' }]);
    expect((await keyNames()).filter((name) => name.startsWith('caf'))).toEqual([]);
    // The same name, sent as UTF-8, is a key like any other.
    expect((await h.call('POST', '/v1/keys', { body: { name: 'café', roles: ['READONLY'] } })).status).toBe(201);
  });

  it('refuses a key with no role on create and on edit (422)', async () => {
    const created = await h.call('POST', '/v1/keys', { body: { name: 'roleless', roles: [] } });
    expect(created.status).toBe(422);
    expect(created.body.error.details.fields).toContainEqual({ field: 'roles', message: 'must list at least one role' });
    const key = await h.createKey('has-a-role', ['READONLY']);
    const edited = await h.call('PATCH', `/v1/keys/${key.id}`, { body: { roles: [] } });
    expect(edited.status).toBe(422);
    expect((await h.call('GET', `/v1/keys/${key.id}`)).body.roles).toEqual(['READONLY']);
    expect(await keyNames()).not.toContain('roleless');
  });

  it('refuses metadata holding something shaped like a keyplan secret (422), on create and edit, and keeps plain values', async () => {
    const donor = await h.createKey('secret-donor', ['READONLY']);
    for (const value of [donor.secret, `token=${donor.secret}`, `kps_${'A'.repeat(51)}`]) {
      const created = await h.call('POST', '/v1/keys', { body: { name: 'parks-a-secret', roles: ['READONLY'], metadata: { note: value } } });
      expect(created.status).toBe(422);
      expect(created.body.error.details.fields).toContainEqual({ field: 'metadata.note', message: expect.stringContaining('looks like a keyplan secret') });
      expect(JSON.stringify(created.body)).not.toContain(donor.secret);
      const edited = await h.call('PATCH', `/v1/keys/${donor.id}`, { body: { metadata: { note: value } } });
      expect(edited.status).toBe(422);
    }
    expect(await keyNames()).not.toContain('parks-a-secret');
    const plain = await h.call('POST', '/v1/keys', { body: { name: 'plain-metadata', roles: ['READONLY'], metadata: { owner: 'kp_billing_team', prefix: 'kp_abcdefgh' } } });
    expect(plain.status).toBe(201);
    for (const line of logLines) expect(line).not.toContain(donor.secret);
  });

  it('logs a client that aborts its body as a client event: no 5xx, no internal error', async () => {
    const before = logLines.length;
    const { host } = new URL(h.server.url);
    const socket = await openSocket(h.server.url);
    socket.write(
      `POST /v1/keys HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${ADMIN_KEY}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"name":"aborted","roles":["READ`,
    );
    await sleep(100);
    socket.destroy();
    let logged: string[] = [];
    for (let attempt = 0; attempt < 100 && logged.length === 0; attempt++) {
      await sleep(20);
      logged = logLines.slice(before).filter((line) => line.startsWith('POST /v1/keys'));
    }
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^POST \/v1\/keys client gone before its body arrived /);
    expect(logLines.slice(before).join('\n')).not.toMatch(/internal error|\b5\d\d\b|ECONNRESET/);
    expect(await keyNames()).not.toContain('aborted');
  });
});
