/** Items serialised per chunk: a chunk past ~128 KB lands in V8's large-object space, where making it costs several times more. */
const ITEMS_PER_CHUNK = 100;

/** Stands in for the big array while the rest of the document is serialised. */
const PLACEHOLDER = '\u0000keyplan-items\u0000';

/**
 * Exactly `JSON.stringify(document([...items].map(toJson)), null, 2)`, as chunks: the big array is serialised
 * a few hundred items at a time, so neither the whole text nor every item's JSON object is held at once.
 * The items must be the last value serialised in the document (followed only by closing brackets).
 */
export function* prettyJsonChunks<T>(document: (items: unknown) => object, items: Iterable<T>, toJson: (item: T) => unknown): Generator<string> {
  // The separator is a chunk of its own: prefixing it would copy the batch's text once more.
  yield* arrayInDocument(document, inBatches(items, toJson), function* (batch, depth, first) {
    if (!first) yield ',\n';
    yield itemsAtDepth(batch, depth);
  });
}

/**
 * The same document, with each item's text written by a writer from `itemWriter`: exactly what
 * JSON.stringify(…, null, 2) prints for the item inside the array, its first line indented by `indent` as the
 * others are. One writer writes every item.
 */
export function* prettyTextChunks<T>(document: (items: unknown) => object, items: Iterable<T>, itemWriter: (indent: string) => (item: T) => string): Generator<string> {
  let write: ((item: T) => string) | undefined;
  yield* arrayInDocument(document, inBatches(items, (item) => item), function* (batch, depth, first) {
    write ??= itemWriter('  '.repeat(depth));
    // Texts written by hand are joined as pieces, not copied: the separator costs nothing inside the chunk.
    let text = first ? write(batch[0] as T) : `,\n${write(batch[0] as T)}`;
    for (let index = 1; index < batch.length; index += 1) text += `,\n${write(batch[index] as T)}`;
    yield text;
  });
}

/** The document around the array, and inside it the chunks `batchText` makes of each batch (at the array's item depth). */
function* arrayInDocument<B>(
  document: (items: unknown) => object,
  batches: Generator<B[], void, undefined>,
  batchText: (batch: B[], depth: number, first: boolean) => Generator<string>,
): Generator<string> {
  const first = batches.next();
  if (first.done) {
    yield JSON.stringify(document([]), null, 2);
    return;
  }
  const skeleton = JSON.stringify(document(PLACEHOLDER), null, 2);
  const quoted = JSON.stringify(PLACEHOLDER);
  // The last occurrence: a user string equal to the placeholder would come earlier in the text.
  const at = skeleton.lastIndexOf(quoted);
  const depth = indentOf(skeleton, skeleton.lastIndexOf('\n', at) + 1) / 2;
  yield `${skeleton.slice(0, at)}[\n`;
  yield* batchText(first.value, depth + 1, true);
  for (const batch of batches) yield* batchText(batch, depth + 1, false);
  yield `\n${' '.repeat(depth * 2)}]${skeleton.slice(at + quoted.length)}`;
}

function* inBatches<T, B>(items: Iterable<T>, toBatch: (item: T) => B): Generator<B[], void, undefined> {
  let batch: B[] = [];
  for (const item of items) {
    batch.push(toBatch(item));
    if (batch.length === ITEMS_PER_CHUNK) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function indentOf(text: string, lineStart: number): number {
  let end = lineStart;
  while (text[end] === ' ') end += 1;
  return end - lineStart;
}

/**
 * The items as JSON.stringify(…, null, 2) prints them inside an array nested `depth` levels deep: serialised
 * wrapped in depth - 1 arrays, with the wrappers' lines cut off.
 */
function itemsAtDepth(batch: unknown[], depth: number): string {
  let wrapped: unknown = batch;
  for (let level = 1; level < depth; level += 1) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  let head = 0;
  let tail = 0;
  for (let level = 0; level < depth; level += 1) {
    head += level * 2 + 2; // indent, "[", "\n"
    tail += level * 2 + 2; // "\n", indent, "]"
  }
  return text.slice(head, text.length - tail);
}
