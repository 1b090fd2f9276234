/** Items serialised per chunk: a chunk past ~128 KB lands in V8's large-object space, where making it costs several times more. */
const ITEMS_PER_CHUNK = 100;

/**
 * Puts a big array into a document being built: the mapped array itself, or a stand-in the chunked writer
 * replaces with the items, serialised a batch at a time.
 */
export type ListItems = <T>(items: readonly T[], toJson: (item: T) => unknown) => unknown;

/** The document with every array mapped at once: what `JSON.stringify(…, null, 2)` of the chunks equals. */
export const mapAtOnce: ListItems = (items, toJson) => items.map((item) => toJson(item));

/**
 * Writes one item's text exactly as `JSON.stringify(…, null, 2)` prints it inside an array whose items sit at
 * `indent`, its first line indented as the others. One writer is made per array and writes every item.
 */
export type ItemWriter<T> = (indent: string) => (item: T) => string;

interface Deferred {
  quoted: string;
  /** The items' text at `indent`, in chunks, with the separators between them. */
  chunks: (indent: string) => Iterable<string>;
  /** The items as JSON values, for the one-piece fallback. */
  values: () => unknown[];
}

/**
 * Exactly `JSON.stringify(build(mapAtOnce), null, 2)`, as chunks: each array `build` lists is serialised a
 * hundred items at a time, so neither the whole text nor every item's JSON object is held at once. The arrays
 * may sit anywhere in the document.
 */
export function prettyJsonChunksWith(build: (list: ListItems) => object): Generator<string> {
  return deferredChunks((defer) =>
    build((items, toJson) =>
      defer(items, {
        chunks: (indent) => jsonBatches(items, toJson, indent.length / 2),
        values: () => mapAtOnce(items, toJson) as unknown[],
      }),
    ),
  );
}

/**
 * `document` with one array whose items `itemWriter` writes as text (no JSON object per item), as chunks of a
 * hundred items: exactly what JSON.stringify(…, null, 2) prints for the items' JSON values.
 */
export function prettyTextChunksWith<T>(document: (items: unknown) => object, items: readonly T[], itemWriter: ItemWriter<T>): Generator<string> {
  return deferredChunks((defer) =>
    document(
      defer(items, {
        chunks: (indent) => textBatches(items, itemWriter(indent)),
        values: () => {
          const write = itemWriter('');
          return items.map((item) => JSON.parse(write(item)) as unknown);
        },
      }),
    ),
  );
}

type Defer = (items: readonly unknown[], how: Omit<Deferred, 'quoted'>) => unknown;

/** The document with each deferred array's stand-in replaced by its items' chunks. */
function* deferredChunks(build: (defer: Defer) => object): Generator<string> {
  const deferred: Deferred[] = [];
  const defer: Defer = (items, how) => {
    if (items.length === 0) return [];
    // A user's string equal to a stand-in is checked for below (each must occur once), not assumed away.
    const placeholder = `\u0000keyplan-items-${deferred.length}\u0000`;
    deferred.push({ quoted: JSON.stringify(placeholder), ...how });
    return placeholder;
  };
  const skeleton = JSON.stringify(build(defer), null, 2);
  const placed = deferred.map((entry) => ({ entry, at: skeleton.indexOf(entry.quoted) }));
  if (placed.some(({ entry, at }) => at === -1 || skeleton.indexOf(entry.quoted, at + 1) !== -1)) {
    let next = 0;
    yield JSON.stringify(build((items) => (items.length === 0 ? [] : (deferred[next++] as Deferred).values())), null, 2);
    return;
  }
  placed.sort((a, b) => a.at - b.at);
  let from = 0;
  for (const { entry, at } of placed) {
    const indent = ' '.repeat(indentOf(skeleton, skeleton.lastIndexOf('\n', at) + 1));
    yield `${skeleton.slice(from, at)}[\n`;
    yield* entry.chunks(`${indent}  `);
    yield `\n${indent}]`;
    from = at + entry.quoted.length;
  }
  yield skeleton.slice(from);
}

function* jsonBatches<T>(items: readonly T[], toJson: (item: T) => unknown, depth: number): Generator<string> {
  let first = true;
  for (const batch of inBatches(items, toJson)) {
    // The separator is a chunk of its own: prefixing it would copy the batch's text once more.
    if (!first) yield ',\n';
    first = false;
    yield itemsAtDepth(batch, depth);
  }
}

function* textBatches<T>(items: readonly T[], write: (item: T) => string): Generator<string> {
  for (let start = 0; start < items.length; start += ITEMS_PER_CHUNK) {
    // Texts written by hand are joined as pieces, not copied: the separator costs nothing inside the chunk.
    let text = start === 0 ? '' : ',\n';
    const end = Math.min(items.length, start + ITEMS_PER_CHUNK);
    for (let index = start; index < end; index += 1) text += index === start ? write(items[index] as T) : `,\n${write(items[index] as T)}`;
    yield text;
  }
}

function* inBatches<T>(items: readonly T[], toJson: (item: T) => unknown): Generator<unknown[], void, undefined> {
  for (let start = 0; start < items.length; start += ITEMS_PER_CHUNK) {
    yield items.slice(start, start + ITEMS_PER_CHUNK).map((item) => toJson(item));
  }
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
