/** Builders of key service JSON for provider tests. */
import type { WireKey } from '../../src/providers/wire.js';

let counter = 0;

export function wireKey(overrides: Partial<WireKey> = {}): WireKey {
  counter += 1;
  return {
    id: `key_${String(counter).padStart(4, '0')}`,
    name: `key-${counter}`,
    description: '',
    roles: ['READONLY'],
    prefix: `kp_${String(counter).padStart(8, '0')}`,
    created_at: '2025-01-02T03:04:05.678Z',
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    metadata: {},
    etag: '"1"',
    ...overrides,
  };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}
