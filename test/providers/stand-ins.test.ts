/**
 * The Cloudflare and GitLab stand-ins are only as good as their checks: a request or an answer their vendored
 * description does not allow is recorded, and a test that made one fails (assertNoBreaches, run by useStandIn).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assertNoBreaches, CloudflareStandIn, GitLabStandIn, type ContractStandIn } from '../e2e/helpers/index.js';

const started: ContractStandIn[] = [];
afterEach(async () => {
  for (const standIn of started.splice(0)) await standIn.stop();
});

async function call(standIn: { origin: string }, method: string, path: string, token: string, body?: unknown): Promise<number> {
  const reply = await fetch(`${standIn.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  await reply.arrayBuffer();
  return reply.status;
}

describe('the GitLab stand-in fails a test on anything its description does not allow', () => {
  async function gitlab(): Promise<GitLabStandIn> {
    const standIn = await GitLabStandIn.start();
    started.push(standIn);
    return standIn;
  }

  it('passes a request and answer the description allows', async () => {
    const gl = await gitlab();
    expect(await call(gl, 'GET', '/api/v4/personal_access_tokens/self', gl.admin.value)).toBe(200);
    expect(() => assertNoBreaches(gl)).not.toThrow();
  });

  it.each([
    ['an operation it does not have (POST …/personal_access_tokens/{id})', 'POST', '/api/v4/personal_access_tokens/1', undefined, /no such operation/],
    ['a path outside /api/v4', 'GET', '/api/v3/personal_access_tokens', undefined, /outside \/api\/v4/],
    ['a create without its required scopes', 'POST', '/api/v4/projects/10/access_tokens', { name: 'x', expires_at: '2030-01-01' }, /scopes/],
    ['a create with a field GitLab does not take', 'POST', '/api/v4/users/2/personal_access_tokens', { name: 'x', scopes: ['api'], colour: 'red' }, /must NOT have additional properties/],
    ['a query parameter of the wrong type', 'GET', '/api/v4/projects/10/access_tokens?per_page=lots', undefined, /per_page/],
    ['a body that is not JSON', 'POST', '/api/v4/projects/10/access_tokens', '{not json', /not JSON/],
  ])('records %s', async (_what, method, path, body, breach) => {
    const gl = await gitlab();
    const status = await call(gl, method, path, gl.admin.value, body);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(gl.violations.join('\n')).toMatch(breach);
    expect(() => assertNoBreaches(gl)).toThrow(/broke the vendor's API description/);
  });

  it('records an answer the description does not allow (a token missing its required fields)', async () => {
    const gl = await gitlab();
    gl.failNext((r) => r.op.operationId === 'getPersonalAccessToken', { status: 200, body: { id: 1, name: 'no scopes' } });
    expect(await call(gl, 'GET', '/api/v4/personal_access_tokens/self', gl.admin.value)).toBe(200);
    expect(gl.violations.join('\n')).toMatch(/^answer to GET \/personal_access_tokens\/self: .*scopes/m);
    expect(() => assertNoBreaches(gl)).toThrow();
  });
});

describe('the Cloudflare stand-in fails a test on anything its description does not allow', () => {
  async function cloudflare(): Promise<CloudflareStandIn> {
    const standIn = await CloudflareStandIn.start();
    started.push(standIn);
    return standIn;
  }

  it('passes a request and answer the description allows', async () => {
    const cf = await cloudflare();
    expect(await call(cf, 'GET', '/client/v4/user/tokens/verify', cf.userAdmin.value)).toBe(200);
    expect(() => assertNoBreaches(cf)).not.toThrow();
  });

  it.each([
    ['an operation it does not have (PATCH a token)', 'PATCH', '/client/v4/user/tokens/abc', {}, /no such operation/],
    ['a create without its required policies', 'POST', '/client/v4/user/tokens', { name: 'x' }, /policies/],
    ['a condition of the wrong shape', 'POST', '/client/v4/user/tokens', { name: 'x', policies: [], condition: { request_ip: { in: 'not-a-list' } } }, /request_ip|in/],
  ])('records %s', async (_what, method, path, body, breach) => {
    const cf = await cloudflare();
    expect(await call(cf, method, path, cf.userAdmin.value, body)).toBeGreaterThanOrEqual(400);
    expect(cf.violations.join('\n')).toMatch(breach);
    expect(() => assertNoBreaches(cf)).toThrow(/broke the vendor's API description/);
  });

  it('records an answer the description does not allow (an envelope without success)', async () => {
    const cf = await cloudflare();
    cf.failNext((r) => r.path === '/user/tokens/verify', { status: 200, body: { result: { id: 'x', status: 'active' } } });
    await call(cf, 'GET', '/client/v4/user/tokens/verify', cf.userAdmin.value);
    expect(cf.violations.join('\n')).toMatch(/^answer to GET \/user\/tokens\/verify: /m);
    expect(() => assertNoBreaches(cf)).toThrow();
  });
});
