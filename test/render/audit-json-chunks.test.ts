import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prettyJsonChunks } from '../../src/render/audit-json-chunks.js';

const identity = (item: unknown) => item;

function streamed(document: (items: unknown) => object, items: unknown[]): string {
  return [...prettyJsonChunks(document, items, identity)].join('');
}

describe('pretty JSON in chunks', () => {
  const shallow = (items: unknown) => ({ version: '1', summary: { keys: 3, by_kind: {} }, keys: items });
  const nested = (items: unknown) => ({ version: '2.1.0', runs: [{ tool: { rules: [{ id: 'a' }] }, results: items }] });

  it('prints what JSON.stringify prints with two spaces, for no items, one, and many spanning several chunks', () => {
    for (const count of [0, 1, 99, 100, 101, 250]) {
      const items = Array.from({ length: count }, (_, i) => ({ id: `key_${i}`, roles: i % 2 ? [] : ['ADMIN'], source: i % 3 ? null : { line: i } }));
      expect(streamed(shallow, items)).toBe(JSON.stringify(shallow(items), null, 2));
      expect(streamed(nested, items)).toBe(JSON.stringify(nested(items), null, 2));
    }
  });

  it('splits a large array into many chunks', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: i }));
    expect([...prettyJsonChunks(shallow, items, identity)].length).toBeGreaterThan(10);
  });

  it('is not fooled by a string that looks like its placeholder, or by newlines and quotes in strings', () => {
    const tricky = ['\u0000keyplan-items\u0000', 'two\nlines', 'say "hi"', '🔴 ünïcode', '\\'];
    const document = (items: unknown) => ({ before: tricky, keys: items });
    const items = tricky.map((name) => ({ name, description: name }));
    expect(streamed(document, items)).toBe(JSON.stringify(document(items), null, 2));
  });

  it('maps each item through toJson once, in order', () => {
    const seen: number[] = [];
    const text = [...prettyJsonChunks(shallow, [3, 1, 2], (n) => (seen.push(n), { n }))].join('');
    expect(seen).toEqual([3, 1, 2]);
    expect(JSON.parse(text).keys).toEqual([{ n: 3 }, { n: 1 }, { n: 2 }]);
  });

  it('matches JSON.stringify for any JSON items at any depth', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 230 }), fc.integer({ min: 0, max: 4 }), (items, depth) => {
        const document = (inner: unknown) => {
          let value: unknown = { header: 'h', items: inner };
          for (let level = 0; level < depth; level += 1) value = { level, wrapped: [value] };
          return value as object;
        };
        expect(streamed(document, items)).toBe(JSON.stringify(document(items), null, 2));
      }),
      { numRuns: 60 },
    );
  });
});
