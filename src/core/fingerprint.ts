import { createHash } from 'node:crypto';
import type { RemoteKey } from './model.js';

/** Text handed to the hash at once: one update per key cost more than the hashing itself at 100,000 keys. */
const HASH_BATCH_CHARS = 64 * 1024;

/**
 * A digest of the remote keys a plan was made from. Last use is left out on purpose: a key in daily use
 * would otherwise make every saved plan stale; `apply` re-checks the dependency gates on fresh data.
 */
export function remoteFingerprint(keys: readonly RemoteKey[]): string {
  const hash = createHash('sha256');
  let pending = '';
  for (const k of [...keys].sort(byId)) {
    pending += `${JSON.stringify([k.id, k.name, k.description, sortedRoles(k.roles), k.expiresAt, k.revokedAt, sortedEntries(k.metadata), k.etag])}\n`;
    if (pending.length >= HASH_BATCH_CHARS) {
      hash.update(pending);
      pending = '';
    }
  }
  hash.update(pending);
  return `sha256:${hash.digest('hex')}`;
}

function byId(a: RemoteKey, b: RemoteKey): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sortedRoles(roles: readonly string[]): readonly string[] {
  return roles.length > 1 ? [...roles].sort() : roles;
}

/** In the order `Object.entries(metadata).sort()` gives (entries compared as "key,value"), without its generic string conversion. */
function sortedEntries(metadata: Record<string, string>): [string, string][] {
  const entries = Object.entries(metadata);
  if (entries.length > 1) entries.sort((x, y) => compareText(`${x[0]},${x[1]}`, `${y[0]},${y[1]}`));
  return entries;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function stableHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
