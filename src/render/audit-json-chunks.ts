import { prettyJsonChunksWith } from './json-chunks.js';

/**
 * Exactly `JSON.stringify(document([...items].map(toJson)), null, 2)`, as chunks: the big array is serialised
 * a hundred items at a time, so neither the whole text nor every item's JSON object is held at once.
 */
export function prettyJsonChunks<T>(document: (items: unknown) => object, items: Iterable<T>, toJson: (item: T) => unknown): Generator<string> {
  const all = Array.isArray(items) ? (items as readonly T[]) : [...items];
  return prettyJsonChunksWith((list) => document(list(all, toJson)));
}

/** Items written per chunk: some 80 KB of audit JSON. */
const ITEMS_PER_TEXT_CHUNK = 100;

/** Stands in for the big array while the rest of the document is serialised. */
const PLACEHOLDER = '\u0000keyplan-text-items\u0000';

/**
 * The same document, with each item's text written by a writer from `itemWriter`: exactly what
 * JSON.stringify(…, null, 2) prints for the item inside the array, its first line indented by `indent` as the
 * others are. One writer writes every item. The items must be the last value serialised in the document
 * (followed only by closing brackets).
 */
export function* prettyTextChunks<T>(document: (items: unknown) => object, items: readonly T[], itemWriter: (indent: string) => (item: T) => string): Generator<string> {
  if (items.length === 0) {
    yield JSON.stringify(document([]), null, 2);
    return;
  }
  const skeleton = JSON.stringify(document(PLACEHOLDER), null, 2);
  const quoted = JSON.stringify(PLACEHOLDER);
  // The last occurrence: a user string equal to the placeholder would come earlier in the text.
  const at = skeleton.lastIndexOf(quoted);
  const lineStart = skeleton.lastIndexOf('\n', at) + 1;
  const indent = (/^ */.exec(skeleton.slice(lineStart, at)) as RegExpExecArray)[0];
  const write = itemWriter(`${indent}  `);
  yield `${skeleton.slice(0, at)}[\n`;
  for (let start = 0; start < items.length; start += ITEMS_PER_TEXT_CHUNK) {
    // Texts written by hand are joined as pieces, not copied: the separator costs nothing inside the chunk.
    let text = start === 0 ? '' : ',\n';
    const end = Math.min(items.length, start + ITEMS_PER_TEXT_CHUNK);
    for (let index = start; index < end; index += 1) text += index === start ? write(items[index] as T) : `,\n${write(items[index] as T)}`;
    yield text;
  }
  yield `\n${indent}]${skeleton.slice(at + quoted.length)}`;
}
