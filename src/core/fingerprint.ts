import { createHash } from 'node:crypto';
import type { RemoteKey } from './model.js';

/**
 * A digest of the remote keys a plan was made from. Last use is left out on purpose: a key in daily use
 * would otherwise make every saved plan stale; `apply` re-checks the dependency gates on fresh data.
 */
export function remoteFingerprint(keys: readonly RemoteKey[]): string {
  const hash = createHash('sha256');
  // Key by key: at 100,000 keys one giant JSON string would cost more than the hashing itself.
  for (const k of [...keys].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    hash.update(JSON.stringify([k.id, k.name, k.description, [...k.roles].sort(), k.expiresAt, k.revokedAt, Object.entries(k.metadata).sort(), k.etag]));
    hash.update('\n');
  }
  return `sha256:${hash.digest('hex')}`;
}

export function stableHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
