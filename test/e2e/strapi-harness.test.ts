/**
 * The facts about Strapi 5.54 API tokens the strapi provider relies on, checked against the real
 * Strapi the e2e harness installs: if an upgrade changes one, this file says which.
 */
import { describe, expect, it } from 'vitest';
import { useStrapi } from './helpers/index.js';

describe('a real Strapi 5.54 (the e2e harness)', () => {
  const strapi = useStrapi();

  it('starts API-only with the two default tokens, and an admin token that manages API tokens', async () => {
    const server = strapi();
    const tokens = await server.call<{ data: { name: string; kind: string }[] }>('GET', '/admin/api-tokens', { token: server.adminToken });
    expect(tokens.status).toBe(200);
    expect(tokens.body.data.map((t) => t.name).sort()).toEqual(['Full Access', 'Read Only']);
    expect((await server.call('GET', '/admin', { token: null })).status).toBe(404);
  });

  it('grants what the token type says on the content API, and refuses a deleted token with 401', async () => {
    const server = strapi();
    const reader = await server.createToken({ name: 'harness-reader', type: 'read-only' });
    const finder = await server.createToken({ name: 'harness-finder', type: 'custom', permissions: ['api::note.note.find'] });
    const writer = await server.createToken({ name: 'harness-writer', type: 'full-access' });
    expect([await server.useToken(reader.accessKey), await server.useToken(reader.accessKey, true)]).toEqual([200, 403]);
    expect([await server.useToken(finder.accessKey), await server.useToken(finder.accessKey, true)]).toEqual([200, 403]);
    expect([await server.useToken(writer.accessKey), await server.useToken(writer.accessKey, true)]).toEqual([200, 201]);
    for (const token of [reader, finder, writer]) await server.deleteToken(token.id);
    expect(await server.useToken(writer.accessKey)).toBe(401);
    const again = await server.call('DELETE', `/admin/api-tokens/${writer.id}`);
    expect(again).toMatchObject({ status: 200, body: { data: null } });
  });

  it('takes each name once, and regenerate invalidates the old secret at once', async () => {
    const server = strapi();
    const token = await server.createToken({ name: 'harness-once', type: 'read-only' });
    const duplicate = await server.call<{ error: { message: string } }>('POST', '/admin/api-tokens', { body: { name: 'harness-once', type: 'read-only' } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.message).toBe('Name already taken');
    const fresh = await server.call<{ data: { accessKey: string } }>('POST', `/admin/api-tokens/${token.id}/regenerate`);
    expect(fresh.status).toBe(201);
    expect(await server.useToken(token.accessKey)).toBe(401);
    expect(await server.useToken(fresh.body.data.accessKey)).toBe(200);
    await server.deleteToken(token.id);
  });
});
