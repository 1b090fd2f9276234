import { describe, expect, it } from 'vitest';
import { assertMatchesSpec, spec } from './openapi.js';

const KEY = {
  id: 'key_01M84V7N236D43S4CC7GZX9A31',
  name: 'n',
  description: '',
  roles: [],
  prefix: 'kp_abcdefgh',
  created_at: '2030-01-01T00:00:00.000Z',
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
  metadata: {},
  etag: '"1"',
};

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every v1 endpoint', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths as object).sort()).toEqual([
      '/v1/capabilities', '/v1/events', '/v1/health', '/v1/keys', '/v1/keys/{id}', '/v1/leases', '/v1/leases/{id}', '/v1/ready', '/v1/roles', '/v1/shared-secret', '/v1/shared-secret/rotate', '/v1/verify', '/v1/whoami',
    ]);
  });

  it('accepts a conforming answer and rejects one that breaks the schema', () => {
    expect(() => assertMatchesSpec('GET', '/v1/keys/key_x', 200, KEY)).not.toThrow();
    expect(() => assertMatchesSpec('GET', '/v1/keys/key_x', 200, { ...KEY, created_at: 'yesterday' })).toThrow(/does not match/);
    expect(() => assertMatchesSpec('GET', '/v1/keys/key_x', 200, { ...KEY, secret: 'kp_x' })).toThrow(/does not match/);
    expect(() => assertMatchesSpec('GET', '/v1/keys', 418, {})).toThrow(/not documented/);
    expect(() => assertMatchesSpec('GET', '/v1/keys', 401, { error: { code: 'unauthorized', message: 'x' } })).not.toThrow();
    expect(() => assertMatchesSpec('GET', '/v1/keys', 401, { error: { code: 'nope', message: 'x' } })).toThrow(/does not match/);
  });
});
