import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { remoteFingerprint } from '../../src/core/fingerprint.js';
import type { RemoteKey } from '../../src/core/model.js';
import { remoteKey } from './builders.js';

/** The digest as saved plans of earlier versions carry it: a plan saved before an upgrade must still apply. */
function earlierFingerprint(keys: readonly RemoteKey[]): string {
  const hash = createHash('sha256');
  for (const k of [...keys].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    hash.update(JSON.stringify([k.id, k.name, k.description, [...k.roles].sort(), k.expiresAt, k.revokedAt, Object.entries(k.metadata).sort(), k.etag]));
    hash.update('\n');
  }
  return `sha256:${hash.digest('hex')}`;
}

const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '!', ' ', 'é', '"', '\n', '🔑'), maxLength: 4 });

describe('remoteFingerprint', () => {
  it('is the digest earlier versions computed, whatever the order, roles and metadata keys (a key that prefixes another included)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ id: text, name: text, roles: fc.array(text, { maxLength: 3 }), metadata: fc.dictionary(text, text, { maxKeys: 4 }), expiresAt: fc.option(fc.nat()), revokedAt: fc.option(fc.nat()) }),
          { selector: (k) => k.id, maxLength: 12 },
        ),
        (drafts) => {
          const keys = drafts.map((draft) => remoteKey(draft));
          expect(remoteFingerprint(keys)).toBe(earlierFingerprint(keys));
        },
      ),
      { numRuns: 300, seed: 20261129 },
    );
  });

  it('matches over many keys, where the text is hashed in batches', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => remoteKey({ id: `key_${(i * 7919) % 3000}`, name: `Key_${i}`, description: 'd'.repeat(i % 50), metadata: { 'managed-by': 'keyplan', a: 'x', 'a!': 'y' } }));
    expect(remoteFingerprint(keys)).toBe(earlierFingerprint(keys));
    expect(remoteFingerprint(keys.slice(1))).not.toBe(remoteFingerprint(keys));
  });
});
