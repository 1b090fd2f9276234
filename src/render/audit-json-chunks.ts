import { prettyJsonChunksWith } from './json-chunks.js';

/**
 * Exactly `JSON.stringify(document([...items].map(toJson)), null, 2)`, as chunks: the big array is serialised
 * a hundred items at a time, so neither the whole text nor every item's JSON object is held at once.
 */
export function prettyJsonChunks<T>(document: (items: unknown) => object, items: Iterable<T>, toJson: (item: T) => unknown): Generator<string> {
  const all = Array.isArray(items) ? (items as readonly T[]) : [...items];
  return prettyJsonChunksWith((list) => document(list(all, toJson)));
}
