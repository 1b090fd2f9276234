import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness;
let rolesDir: string;
const tokens: Record<string, string> = {};

const ROLES_FILE = `
roles:
  ADMIN: { description: Everything, permissions: ["*"] }
  READONLY: { description: Read keys and roles, permissions: [keys:read, roles:read] }
  GATEWAY: { description: Verifies keys, permissions: [keys:verify] }
  KEYMASTER: { description: Manages keys but nothing else, permissions: ["keys:*"] }
  AUDITOR: { description: Reads events and the shared secret metadata, permissions: [events:read, shared-secret:read] }
  BILLING: { description: Team API permission, permissions: [billing:read] }
`;

beforeAll(async () => {
  rolesDir = await mkdtemp(join(tmpdir(), 'keyplan-roles-'));
  const rolesFile = join(rolesDir, 'roles.yaml');
  await writeFile(rolesFile, ROLES_FILE);
  h = await Harness.start({ rolesFile });
  for (const role of ['READONLY', 'GATEWAY', 'KEYMASTER', 'AUDITOR', 'BILLING']) tokens[role] = (await h.createKey(`role-${role}`, [role])).secret;
  // The API refuses a key with no role; a store still holds one (made by its own tools), and it may do nothing.
  tokens.NONE = (await h.server.store.createKey({ name: 'no-roles', roles: [] })).secret.reveal();
});
afterAll(async () => {
  await h.stop();
  await rm(rolesDir, { recursive: true, force: true });
});

const ENDPOINTS: { method: string; path: string; permission: string | null; body?: unknown }[] = [
  { method: 'GET', path: '/v1/keys', permission: 'keys:read' },
  { method: 'POST', path: '/v1/keys', permission: 'keys:create', body: { name: 'matrix-new', roles: ['GATEWAY'] } },
  { method: 'GET', path: '/v1/keys/key_00000000000000000000000000', permission: 'keys:read' },
  { method: 'PATCH', path: '/v1/keys/key_00000000000000000000000000', permission: 'keys:update', body: { description: 'x' } },
  { method: 'DELETE', path: '/v1/keys/key_00000000000000000000000000', permission: 'keys:revoke' },
  { method: 'GET', path: '/v1/roles', permission: 'roles:read' },
  { method: 'POST', path: '/v1/verify', permission: 'keys:verify', body: { key: 'kp_unknown' } },
  { method: 'GET', path: '/v1/shared-secret', permission: 'shared-secret:read' },
  { method: 'POST', path: '/v1/shared-secret/rotate', permission: 'shared-secret:rotate' },
  { method: 'GET', path: '/v1/events', permission: 'events:read' },
  { method: 'GET', path: '/v1/capabilities', permission: null },
  { method: 'GET', path: '/v1/whoami', permission: null },
];

const GRANTS: Record<string, (permission: string) => boolean> = {
  READONLY: (p) => p === 'keys:read' || p === 'roles:read',
  GATEWAY: (p) => p === 'keys:verify',
  KEYMASTER: (p) => p.startsWith('keys:'),
  AUDITOR: (p) => p === 'events:read' || p === 'shared-secret:read',
  BILLING: () => false,
  NONE: () => false,
};

describe('permission matrix', () => {
  for (const [role, allowed] of Object.entries(GRANTS)) {
    for (const endpoint of ENDPOINTS) {
      const expectAllowed = endpoint.permission === null || allowed(endpoint.permission);
      it(`${role} ${expectAllowed ? 'may' : 'may not'} ${endpoint.method} ${endpoint.path}`, async () => {
        const body = endpoint.body && endpoint.method === 'POST' && endpoint.path === '/v1/keys' ? { name: `matrix-${role}`, roles: ['GATEWAY'] } : endpoint.body;
        const reply = await h.call(endpoint.method, endpoint.path, { token: tokens[role] as string, body });
        if (expectAllowed) {
          expect(reply.status).not.toBe(403);
          expect(reply.status).toBeLessThan(500);
        } else {
          expect(reply.status).toBe(403);
          expect(reply.body.error.details.permission).toBe(endpoint.permission);
          expect(reply.body.error.message).toContain(endpoint.permission);
        }
      });
    }
  }

  it('lets the bootstrap admin credential do everything', async () => {
    for (const endpoint of ENDPOINTS) {
      const reply = await h.call(endpoint.method, endpoint.path, { body: endpoint.method === 'POST' && endpoint.path === '/v1/keys' ? { name: 'by-bootstrap', roles: ['GATEWAY'] } : endpoint.body });
      expect(reply.status, `${endpoint.method} ${endpoint.path}`).not.toBe(403);
    }
    const whoami = await h.call('GET', '/v1/whoami');
    expect(whoami.body).toEqual({ key: null, bootstrap: true, permissions: ['*'] });
  });

  it('refuses to grant roles with permissions the caller lacks (no escalation)', async () => {
    const reply = await h.call('POST', '/v1/keys', { token: tokens.KEYMASTER as string, body: { name: 'escalate', roles: ['ADMIN'] } });
    expect(reply.status).toBe(403);
    expect(reply.body.error.message).toContain('*');
    const ok = await h.call('POST', '/v1/keys', { token: tokens.KEYMASTER as string, body: { name: 'gateway-by-keymaster', roles: ['GATEWAY'] } });
    expect(ok.status).toBe(201);
  });

  it('serves the roles from the roles file, including team permissions', async () => {
    const roles = await h.call('GET', '/v1/roles');
    expect(roles.body.roles.map((r: { name: string }) => r.name)).toEqual(['ADMIN', 'READONLY', 'GATEWAY', 'KEYMASTER', 'AUDITOR', 'BILLING']);
    const whoami = await h.call('GET', '/v1/whoami', { token: tokens.BILLING as string });
    expect(whoami.body).toMatchObject({ bootstrap: false, permissions: ['billing:read'], key: { name: 'role-BILLING', roles: ['BILLING'] } });
  });

  it('verifies a key for a team permission at a gateway', async () => {
    const gateway = tokens.GATEWAY as string;
    const ok = await h.call('POST', '/v1/verify', { token: gateway, body: { key: tokens.BILLING, permission: 'billing:read' } });
    expect(ok.body).toMatchObject({ valid: true, key: { name: 'role-BILLING' }, permissions: ['billing:read'] });
    const missing = await h.call('POST', '/v1/verify', { token: gateway, body: { key: tokens.BILLING, permission: 'billing:write' } });
    expect(missing.body).toMatchObject({ valid: false, reason: 'missing_permission' });
    const unknown = await h.call('POST', '/v1/verify', { token: gateway, body: { key: 'kp_not-a-real-key' } });
    expect(unknown.body).toEqual({ valid: false, reason: 'unknown' });
    const bad = await h.call('POST', '/v1/verify', { token: gateway, body: { permission: 'x' } });
    expect(bad.status).toBe(422);
  });
});
