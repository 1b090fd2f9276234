import { createHash } from 'node:crypto';

/** How long a create can be replayed, and its secret kept (sealed). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

/** The context a replay copy is sealed with: bound to its caller, idempotency key and key id. */
export function sealContext(scope: string, idempotencyKey: string, keyId: string): string {
  return JSON.stringify([scope, idempotencyKey, keyId]);
}

/** A stable fingerprint of a create request: same fields, same fingerprint, whatever the key order. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(stableJson(request)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
