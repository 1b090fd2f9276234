import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REVOKED_BY_KEY } from '../../src/core/model.js';
import { revokedMetadata, sortKeys } from '../../src/core/ownership.js';
import { remoteKey } from './builders.js';

const keyText = fc.string({ unit: fc.constantFrom('a', 'k', 'z', '-', '1', '0', 'é', 'keyplan-revoked-by'), maxLength: 3 });

describe('metadata records', () => {
  it('sortKeys orders keys as a sort by code units would, and keeps values; a sorted record comes back as it is', () => {
    fc.assert(
      fc.property(fc.dictionary(keyText, fc.string(), { maxKeys: 6 }), (record) => {
        const sorted = sortKeys({ ...record });
        const expected = Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(Object.entries(sorted)).toEqual(Object.entries(expected));
        expect(Object.entries(sortKeys(sorted))).toEqual(Object.entries(expected));
      }),
      { numRuns: 300, seed: 20261129 },
    );
  });

  it('revokedMetadata is the key metadata plus who revoked it, keys in order, an earlier mark replaced', () => {
    fc.assert(
      fc.property(fc.dictionary(keyText, fc.string(), { maxKeys: 6 }), fc.string({ minLength: 1 }), (metadata, ownership) => {
        const marked = revokedMetadata(remoteKey({ metadata }), ownership);
        const expected = Object.fromEntries(Object.entries({ ...metadata, [REVOKED_BY_KEY]: ownership }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(Object.entries(marked)).toEqual(Object.entries(expected));
      }),
      { numRuns: 300, seed: 20261129 },
    );
  });
});
