import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapAtOnce, prettyJsonChunksWith, prettyTextChunksWith, type ItemWriter, type ListItems } from '../../src/render/json-chunks.js';

const identity = (item: unknown) => item;

function bothWays(build: (list: ListItems) => object): { chunks: string[]; expected: string } {
  return { chunks: [...prettyJsonChunksWith(build)], expected: JSON.stringify(build(mapAtOnce), null, 2) };
}

describe('pretty JSON with big arrays anywhere, in chunks', () => {
  it('prints what JSON.stringify prints with two spaces, for arrays of any length at any depth, several per document', () => {
    for (const count of [0, 1, 99, 100, 101, 250]) {
      const items = Array.from({ length: count }, (_, i) => ({ id: `key_${i}`, roles: i % 2 ? [] : ['ADMIN'], source: i % 3 ? null : { line: i } }));
      const build = (list: ListItems) => ({
        format: '1',
        providers: [
          { name: 'a', actions: list(items, identity), problems: list([], identity), findings: list(items.slice(0, 3), identity), tail: { x: 1 } },
          { name: 'b', actions: list(items, (item) => ({ wrapped: item })), nested: [[list(items, identity)]] },
        ],
        last: list(items, identity),
      });
      const { chunks, expected } = bothWays(build);
      expect(chunks.join('')).toBe(expected);
      if (count > 100) expect(chunks.length).toBeGreaterThan(10);
    }
  });

  it('falls back to one piece when a string of the document equals a stand-in, and is not fooled by quotes or newlines', () => {
    const tricky = ['two\nlines', 'say "hi"', '🔴 ünïcode', '\\', '\u0000keyplan-items-0\u0000'];
    const items = tricky.map((name) => ({ name }));
    const plain = bothWays((list) => ({ before: tricky, keys: list(items, identity) }));
    expect(plain.chunks.join('')).toBe(plain.expected);
    // A document that repeats the stand-in it is given (as a user string equal to it would) still prints exactly.
    let seen = '';
    const echoed = bothWays((list) => {
      const keys = list(items, identity);
      if (typeof keys === 'string') seen = keys;
      return { keys, copy: seen };
    });
    expect(echoed.chunks).toHaveLength(1);
    expect(echoed.chunks[0]).toBe(JSON.stringify({ keys: items, copy: seen }, null, 2));
  });

  it('maps each item through toJson once per piece printed, in order, and never with a batch index', () => {
    const seen: unknown[] = [];
    const text = [...prettyJsonChunksWith((list) => ({ keys: list(Array.from({ length: 150 }, (_, i) => i), (n: number, ...rest: unknown[]) => (seen.push([n, rest.length]), { n })) }))].join('');
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => [i, 0]));
    expect((JSON.parse(text) as { keys: { n: number }[] }).keys.map((k) => k.n)).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('agrees with JSON.stringify on arbitrary JSON documents and item lists', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 230 }), fc.array(fc.jsonValue(), { maxLength: 5 }), (head, items, more) => {
        const build = (list: ListItems) => ({ head, deep: { list: [list(items, identity)] }, more: list(more, identity) });
        const { chunks, expected } = bothWays(build);
        expect(chunks.join('')).toBe(expected);
      }),
      { numRuns: 200, seed: 20261129 },
    );
  });

  it('writes items a writer makes as text exactly as JSON.stringify would, and falls back to one piece on a collision', () => {
    const writer: ItemWriter<unknown> = (indent) => (item) => `${indent}${JSON.stringify(item, null, 2).replaceAll('\n', `\n${indent}`)}`;
    for (const count of [0, 1, 100, 101, 250]) {
      const items = Array.from({ length: count }, (_, i) => ({ id: `key_${i}`, roles: i % 2 ? [] : ['ADMIN'], note: 'say "hi"\n' }));
      const document = (keys: unknown) => ({ version: '1', summary: { keys: count }, keys });
      const chunks = [...prettyTextChunksWith(document, items, writer)];
      expect(chunks.join('')).toBe(JSON.stringify(document(items), null, 2));
      if (count > 100) expect(chunks.length).toBeGreaterThan(2);
    }
    const items = [{ name: 'a' }, { name: 'b' }];
    const colliding = (keys: unknown) => ({ before: '\u0000keyplan-items-0\u0000', keys });
    const chunks = [...prettyTextChunksWith(colliding, items, writer)];
    expect(chunks).toEqual([JSON.stringify(colliding(items), null, 2)]);
  });
});
