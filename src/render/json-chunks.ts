/** Items serialised per chunk: a chunk past ~128 KB lands in V8's large-object space, where making it costs several times more. */
const ITEMS_PER_CHUNK = 100;

/**
 * Puts a big array into a document being built: the mapped array itself, or a stand-in the chunked writer
 * replaces with the items, serialised a batch at a time.
 */
export type ListItems = <T>(items: readonly T[], toJson: (item: T) => unknown) => unknown;

/** The document with every array mapped at once: what `JSON.stringify(…, null, 2)` of the chunks equals. */
export const mapAtOnce: ListItems = (items, toJson) => items.map((item) => toJson(item));

interface Deferred {
  quoted: string;
  items: readonly unknown[];
  toJson: (item: unknown) => unknown;
}

/**
 * Exactly `JSON.stringify(build(mapAtOnce), null, 2)`, as chunks: each array `build` lists is serialised a
 * hundred items at a time, so neither the whole text nor every item's JSON object is held at once. The arrays
 * may sit anywhere in the document.
 */
export function* prettyJsonChunksWith(build: (list: ListItems) => object): Generator<string> {
  const deferred: Deferred[] = [];
  const list: ListItems = (items, toJson) => {
    if (items.length === 0) return [];
    // A user's string equal to a stand-in is checked for below (each must occur once), not assumed away.
    const placeholder = `\u0000keyplan-items-${deferred.length}\u0000`;
    deferred.push({ quoted: JSON.stringify(placeholder), items, toJson: toJson as (item: unknown) => unknown });
    return placeholder;
  };
  const skeleton = JSON.stringify(build(list), null, 2);
  const placed = deferred.map((entry) => ({ entry, at: skeleton.indexOf(entry.quoted) }));
  if (placed.some(({ entry, at }) => at === -1 || skeleton.indexOf(entry.quoted, at + 1) !== -1)) {
    yield JSON.stringify(build(mapAtOnce), null, 2);
    return;
  }
  placed.sort((a, b) => a.at - b.at);
  let from = 0;
  for (const { entry, at } of placed) {
    const depth = indentOf(skeleton, skeleton.lastIndexOf('\n', at) + 1) / 2;
    yield `${skeleton.slice(from, at)}[\n`;
    let first = true;
    for (const batch of inBatches(entry.items, entry.toJson)) {
      // The separator is a chunk of its own: prefixing it would copy the batch's text once more.
      if (!first) yield ',\n';
      first = false;
      yield itemsAtDepth(batch, depth + 1);
    }
    yield `\n${' '.repeat(depth * 2)}]`;
    from = at + entry.quoted.length;
  }
  yield skeleton.slice(from);
}

function* inBatches(items: readonly unknown[], toJson: (item: unknown) => unknown): Generator<unknown[], void, undefined> {
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
