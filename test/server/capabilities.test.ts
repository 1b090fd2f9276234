import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

async function withRolesFile(text: string): Promise<Harness> {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-caps-'));
  const rolesFile = join(dir, 'roles.yaml');
  await writeFile(rolesFile, text);
  return Harness.start({ rolesFile });
}

describe('capabilities', () => {
  it('defaults to any expiry and name, description, roles, metadata editable', async () => {
    h = await Harness.start();
    const key = await h.createKey('caps', ['READONLY']);
    const reply = await h.call('GET', '/v1/capabilities', { token: key.secret });
    expect(reply.body).toEqual({
      editable_fields: ['name', 'description', 'roles', 'metadata'],
      expiration: { mode: 'any', max: null, allows_never: true },
      metadata: true,
      max_page_size: 1000,
      leases: true,
    });
  });

  it('serves configured presets and refuses other expirations, naming the accepted ones', async () => {
    h = await withRolesFile('capabilities:\n  editable_fields: [description]\n  expiration: { presets: [14d, 30d, 90d, 180d, 365d] }\n');
    expect((await h.call('GET', '/v1/capabilities')).body.expiration).toEqual({ mode: 'presets', presets: ['14d', '30d', '90d', '180d', '365d'] });
    const refused = await h.call('POST', '/v1/keys', { body: { name: 'p', roles: ['READONLY'], expires_in: '45d' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('accepted: 14d, 30d, 90d, 180d, 365d');
    expect((await h.call('POST', '/v1/keys', { body: { name: 'p', roles: ['READONLY'] } })).status).toBe(422);
    expect((await h.call('POST', '/v1/keys', { body: { name: 'p', roles: ['READONLY'], expires_at: '2099-01-01T00:00:00Z' } })).status).toBe(422);
    const created = await h.call('POST', '/v1/keys', { body: { name: 'p', roles: ['READONLY'], expires_in: '30d' } });
    expect(created.status).toBe(201);
    const rename = await h.call('PATCH', `/v1/keys/${created.body.key.id}`, { body: { name: 'q' } });
    expect(rename.status).toBe(422);
    expect(rename.body.error.details.fields).toEqual([{ field: 'name', message: 'is not editable in place on this service' }]);
  });

  it('enforces a maximum lifetime and refuses never when configured', async () => {
    h = await withRolesFile('capabilities:\n  expiration: { max: 90d, allows_never: false }\n');
    expect((await h.call('GET', '/v1/capabilities')).body.expiration).toEqual({ mode: 'any', max: '90d', allows_never: false });
    expect((await h.call('POST', '/v1/keys', { body: { name: 'm', roles: ['READONLY'], expires_in: '91d' } })).status).toBe(422);
    expect((await h.call('POST', '/v1/keys', { body: { name: 'm', roles: ['READONLY'], expires_in: 'never' } })).status).toBe(422);
    expect((await h.call('POST', '/v1/keys', { body: { name: 'm', roles: ['READONLY'], expires_in: '12w' } })).status).toBe(201);
  });
});
