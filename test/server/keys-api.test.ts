import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start();
});
afterAll(async () => {
  await h.stop();
});

describe('key CRUD', () => {
  it('creates a key, shows the secret once, and gets, lists, edits and revokes it', async () => {
    const created = await h.call('POST', '/v1/keys', {
      body: { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], expires_in: '90d', metadata: { 'managed-by': 'keyplan' } },
    });
    expect(created.status).toBe(201);
    const { key, secret } = created.body;
    expect(secret).toMatch(/^kp_[A-Za-z0-9_-]{51}$/);
    expect(secret.startsWith(key.prefix)).toBe(true);
    expect(created.headers.etag).toBe('"1"');
    expect(Date.parse(key.expires_at) - Date.parse(key.created_at)).toBe(90 * 86_400_000);

    const got = await h.call('GET', `/v1/keys/${key.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: key.id, name: 'Billing_Reader', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' } });
    expect(JSON.stringify(got.body)).not.toContain(secret);

    const listed = await h.call('GET', '/v1/keys');
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(key.id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const edited = await h.call('PATCH', `/v1/keys/${key.id}`, {
      body: { name: 'Billing_Reader2', description: 'new', metadata: { team: 'billing' } },
      headers: { 'if-match': '"1"' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Billing_Reader2', description: 'new', metadata: { team: 'billing' }, etag: '"2"' });
    expect(edited.headers.etag).toBe('"2"');

    const revoked = await h.call('DELETE', `/v1/keys/${key.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const again = await h.call('DELETE', `/v1/keys/${key.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(revoked.body);

    const active = await h.call('GET', '/v1/keys?limit=1000');
    expect(active.body.keys.map((k: { id: string }) => k.id)).not.toContain(key.id);
    const all = await h.call('GET', '/v1/keys?limit=1000&include_revoked=true');
    expect(all.body.keys.map((k: { id: string }) => k.id)).toContain(key.id);
  });

  it('frees the name of a revoked key for a new one, but refuses a duplicate active name (409)', async () => {
    const first = await h.createKey('dup', ['READONLY']);
    const clash = await h.call('POST', '/v1/keys', { body: { name: 'dup', roles: ['READONLY'] } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('conflict');
    const renameClash = await h.call('PATCH', `/v1/keys/${(await h.createKey('other', ['READONLY'])).id}`, { body: { name: 'dup' } });
    expect(renameClash.status).toBe(409);
    await h.call('DELETE', `/v1/keys/${first.id}`);
    expect((await h.call('POST', '/v1/keys', { body: { name: 'dup', roles: ['READONLY'] } })).status).toBe(201);
  });

  it('refuses to edit a revoked key (409) and answers 404 for an unknown id', async () => {
    const key = await h.createKey('to-revoke', ['READONLY']);
    await h.call('DELETE', `/v1/keys/${key.id}`);
    expect((await h.call('PATCH', `/v1/keys/${key.id}`, { body: { description: 'x' } })).status).toBe(409);
    expect((await h.call('GET', '/v1/keys/key_00000000000000000000000000')).status).toBe(404);
    expect((await h.call('DELETE', '/v1/keys/key_00000000000000000000000000')).status).toBe(404);
  });

  it('never echoes a secret pasted into a URL by mistake', async () => {
    const key = await h.createKey('pasted', ['READONLY']);
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const reply = await h.call(method, `/v1/keys/${key.secret}`, method === 'PATCH' ? { body: { description: 'x' } } : {});
      expect(reply.status).toBe(404);
      expect(JSON.stringify(reply.body)).not.toContain(key.secret);
    }
    const unknownPath = await h.call('GET', `/v1/${key.secret}`);
    expect(JSON.stringify(unknownPath.body)).not.toContain(key.secret);
  });
});

describe('ETags', () => {
  it('refuses a stale If-Match with 412 and accepts the current one', async () => {
    const key = await h.createKey('etag-key', ['READONLY']);
    const first = await h.call('PATCH', `/v1/keys/${key.id}`, { body: { description: 'one' }, headers: { 'if-match': key.etag } });
    expect(first.status).toBe(200);
    const stale = await h.call('PATCH', `/v1/keys/${key.id}`, { body: { description: 'two' }, headers: { 'if-match': key.etag } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('precondition_failed');
    expect((await h.call('GET', `/v1/keys/${key.id}`)).body.description).toBe('one');
    const garbage = await h.call('PATCH', `/v1/keys/${key.id}`, { body: { description: 'two' }, headers: { 'if-match': 'nonsense' } });
    expect(garbage.status).toBe(412);
    const current = await h.call('PATCH', `/v1/keys/${key.id}`, { body: { description: 'two' }, headers: { 'if-match': first.body.etag } });
    expect(current.status).toBe(200);
  });

  it('does not change the ETag when a key is only used', async () => {
    const key = await h.createKey('etag-use', ['READONLY']);
    await h.call('GET', '/v1/whoami', { token: key.secret });
    const got = await h.call('GET', `/v1/keys/${key.id}`);
    expect(got.body.last_used_at).not.toBeNull();
    expect(got.body.etag).toBe(key.etag);
  });
});

describe('idempotent create', () => {
  it('answers 50 concurrent retries with exactly one key and one secret', async () => {
    const body = { name: 'Deployer', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' } };
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => h.call('POST', '/v1/keys', { body, headers: { 'idempotency-key': 'apply-42-create-deployer' } })),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    expect(new Set(replies.map((reply) => reply.body.secret)).size).toBe(1);
    expect(new Set(replies.map((reply) => reply.body.key.id)).size).toBe(1);
    expect(replies.filter((reply) => reply.headers['idempotent-replayed'] === 'true')).toHaveLength(49);
    const listed = await h.call('GET', '/v1/keys?limit=1000');
    expect(listed.body.keys.filter((k: { name: string }) => k.name === 'Deployer')).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with a different body (422)', async () => {
    const headers = { 'idempotency-key': 'same-key-other-body' };
    expect((await h.call('POST', '/v1/keys', { body: { name: 'idem-a', roles: ['READONLY'] }, headers })).status).toBe(201);
    const other = await h.call('POST', '/v1/keys', { body: { name: 'idem-b', roles: ['READONLY'] }, headers });
    expect(other.status).toBe(422);
    expect(other.body.error.details.fields[0].field).toBe('idempotency_key');
  });

  it('scopes idempotency keys to the caller', async () => {
    const creator = await h.call('POST', '/v1/keys', { body: { name: 'creator', roles: ['ADMIN'] } });
    const headers = { 'idempotency-key': 'shared-idem' };
    const mine = await h.call('POST', '/v1/keys', { body: { name: 'scoped-1', roles: ['READONLY'] }, headers });
    const theirs = await h.call('POST', '/v1/keys', { token: creator.body.secret, body: { name: 'scoped-1', roles: ['READONLY'] }, headers });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(409);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with 400', async () => {
    const reply = await h.call('POST', '/v1/keys', { rawBody: '{"name": "x",', headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('bad_request');
  });

  it('answers a body over 1 MiB with 413', async () => {
    const reply = await h.call('POST', '/v1/keys', { body: { name: 'big', roles: ['READONLY'], description: 'x'.repeat(1024 * 1024) } });
    expect(reply.status).toBe(413);
    expect(reply.body.error.code).toBe('payload_too_large');
  });

  it('answers an unknown route with 404 and a wrong method with 405', async () => {
    expect((await h.call('GET', '/v1/nothing')).status).toBe(404);
    const wrong = await h.call('PUT', '/v1/keys');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD, POST');
  });

  it('lists every invalid field with 422', async () => {
    const reply = await h.call('POST', '/v1/keys', {
      body: { name: '', roles: ['NOPE'], metadata: { a: 1 }, expires_at: 'tomorrow', color: 'red' },
    });
    expect(reply.status).toBe(422);
    const fields = reply.body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['color', 'expires_at', 'metadata.a', 'name', 'roles']);
  });

  it('refuses an expiry in the past, both expiry fields at once, and non-editable fields', async () => {
    expect((await h.call('POST', '/v1/keys', { body: { name: 'past', roles: ['READONLY'], expires_at: '2001-01-01T00:00:00Z' } })).status).toBe(422);
    expect((await h.call('POST', '/v1/keys', { body: { name: 'both', roles: ['READONLY'], expires_at: '2999-01-01T00:00:00Z', expires_in: '90d' } })).status).toBe(422);
    const key = await h.createKey('no-expiry-edit', ['READONLY']);
    const edit = await h.call('PATCH', `/v1/keys/${key.id}`, { body: { expires_in: '30d' } });
    expect(edit.status).toBe(422);
    expect(edit.body.error.details.fields[0]).toMatchObject({ field: 'expires_in' });
  });

  it('rejects an out-of-range page size and a forged cursor (422)', async () => {
    expect((await h.call('GET', '/v1/keys?limit=1001')).status).toBe(422);
    expect((await h.call('GET', '/v1/keys?limit=0')).status).toBe(422);
    expect((await h.call('GET', '/v1/keys?cursor=bm9wZQ')).status).toBe(422);
  });
});
