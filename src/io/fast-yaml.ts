import { load, type State } from 'js-yaml';
import { IMPLICIT_TAG_PREFIX, YAML_CORE_SCHEMA } from './yaml-core-schema.js';

/**
 * Where nodes start, as offsets into the text: each mapping and list by identity, and each mapping's keys and
 * non-empty values. A mapping's pairs are one flat list, key name, key offset, value offset (-1: empty value), a
 * fraction of what two maps per mapping held at 50,000 keys.
 */
export interface NodeOffsets {
  collections: Map<object, number>;
  pairs: Map<object, (string | number)[]>;
}

/** Where a mapping's key, or its value, starts; undefined when the fast reader did not record it. */
export function pairOffset(offsets: NodeOffsets, mapping: object, key: string, part: 'key' | 'value'): number | undefined {
  const pairs = offsets.pairs.get(mapping);
  if (!pairs) return undefined;
  for (let at = 0; at < pairs.length; at += 3) {
    if (pairs[at] !== key) continue;
    const offset = pairs[part === 'key' ? at + 1 : at + 2] as number;
    return offset === -1 ? undefined : offset;
  }
  return undefined;
}

export interface FastYaml {
  data: unknown;
  offsets: NodeOffsets;
}

/** js-yaml's parser state carries these too; @types/js-yaml leaves them out. */
interface ParserState extends State {
  kind: string;
  tag: string | null;
  anchor: string | null;
  version: number | null;
}

interface ClosedNode {
  /** Where js-yaml opened it, before any space and comments ahead of it (contentStart finds its text). */
  start: number;
  empty: boolean;
  result: unknown;
}

class Unsupported extends Error {}

const NO_CHILDREN: ClosedNode[] = [];

/**
 * Reads a plain YAML file with js-yaml, about six times faster than the `yaml` Document API, recording node
 * offsets from its parse events. Returns undefined whenever its answer might differ from the `yaml` path's:
 * any error (syntax, duplicate key, several documents), anchors and aliases, explicit tags, `%YAML`
 * directives, non-string mapping keys, or events it cannot pair with the data. The caller then uses `yaml`.
 */
export function parseFastYaml(text: string): FastYaml | undefined {
  if (mayReadDifferently(text)) return undefined;
  const offsets: NodeOffsets = { collections: new Map(), pairs: new Map() };
  // The open nodes as two stacks (where each began, what closed inside it), a child list made only once one closes.
  const starts: number[] = [];
  const children: (ClosedNode[] | undefined)[] = [];
  const listener = (event: 'open' | 'close', raw: State): void => {
    const state = raw as ParserState;
    if (event === 'open') {
      starts.push(state.position);
      children.push(undefined);
      return;
    }
    const start = starts.pop();
    const inside = children.pop() ?? NO_CHILDREN;
    if (start === undefined || state.anchor !== null || state.version !== null || isExplicitTag(state.tag)) throw new Unsupported();
    // Where the node's text begins is worked out only when asked (a collection, a key, a mapping value).
    const node: ClosedNode = { start, empty: state.kind === null, result: state.result };
    if (state.kind === 'mapping' || state.kind === 'sequence') {
      offsets.collections.set(state.result as object, contentStart(text, start));
      if (state.kind === 'mapping' && !isSameNode(inside, state.result)) {
        recordPairs(offsets, state.result as Record<string, unknown>, inside, text);
      }
    }
    const parent = children.length - 1;
    if (parent >= 0) (children[parent] ??= []).push(node);
  };
  try {
    // An empty file is null to `yaml` and undefined to js-yaml.
    return { data: load(text, { schema: YAML_CORE_SCHEMA, listener }) ?? null, offsets };
  } catch {
    return undefined;
  }
}

/**
 * Text where js-yaml is more lenient than `yaml` (found by test/io/fast-yaml.test.ts): tabs, lone CRs, a BOM,
 * a comment glued to a quote or bracket, a document marker with text after it, text glued after a flow
 * collection, directives, a comment right after a block scalar header, empty or nested compact list items,
 * empty flow keys, and flow collections or quoted strings spanning lines.
 * Ordinary config files have none; files that do are read by the `yaml` path, only slower.
 */
function mayReadDifferently(text: string): boolean {
  return (
    text.charCodeAt(0) === 0xfeff ||
    text.includes('\t') ||
    /\r(?!\n)/.test(text) ||
    /["'\]}]#/.test(text) ||
    /^(?:---|\.\.\.)[^\r\n]/m.test(text) ||
    /[\]}][^\s,\]}]/.test(text) ||
    /^%/m.test(text) ||
    /(?:^|[:\-[{,])[ ]*'(?:[^'\n]|'')*$/m.test(text) ||
    /[[{,][ ]*:/.test(text) ||
    /^[ ]*-[ ]*(?:-[ ]|-?$|#)/m.test(text) ||
    /[|>][-+0-9]*[ ]*\r?\n(?:[ ]*\r?\n)*[ ]*#/.test(text) ||
    hasMultilineFlow(text)
  );
}

/** Whether a flow collection or a double-quoted string spans lines (brackets or quotes left open at a line end). */
function hasMultilineFlow(text: string): boolean {
  let depth = 0;
  let quotes = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x5b || code === 0x7b) depth++;
    else if (code === 0x5d || code === 0x7d) depth--;
    else if (code === 0x22) quotes++;
    else if (code === 0x0a && (depth !== 0 || quotes % 2 !== 0)) return true;
  }
  return depth !== 0;
}

function isExplicitTag(tag: string | null): boolean {
  return tag !== null && tag !== '?' && !tag.startsWith(IMPLICIT_TAG_PREFIX);
}

/** js-yaml tries a scalar or flow collection as a mapping key first; then the outer node just repeats it. */
function isSameNode(children: ClosedNode[], result: unknown): boolean {
  return children.length === 1 && children[0]?.result === result;
}

/**
 * A mapping's parse events come as key, value, key, value (a value may be empty), sometimes followed by an empty
 * attempt at one more key. Each pairing is checked against the mapping itself, so a misread stops the fast path.
 */
function recordPairs(offsets: NodeOffsets, mapping: Record<string, unknown>, children: ClosedNode[], text: string): void {
  const count = children.length % 2 === 1 && children.at(-1)?.empty ? children.length - 1 : children.length;
  if (count % 2 !== 0) throw new Unsupported();
  const pairs: (string | number)[] = [];
  for (let index = 0; index < count; index += 2) {
    const key = children[index] as ClosedNode;
    const value = children[index + 1] as ClosedNode;
    if (key.empty || typeof key.result !== 'string' || !Object.hasOwn(mapping, key.result)) throw new Unsupported();
    if (!Object.is(mapping[key.result], value.empty ? null : value.result)) throw new Unsupported();
    // An empty value has no text of its own; where `yaml` puts it is left to the `yaml` path.
    pairs.push(key.result, contentStart(text, key.start), value.empty ? -1 : contentStart(text, value.start));
  }
  if (pairs.length / 3 !== Object.keys(mapping).length) throw new Unsupported();
  offsets.pairs.set(mapping, pairs);
}

/** js-yaml opens a node before the space and comments ahead of it; `yaml` places the node at its first character. */
function contentStart(text: string, offset: number): number {
  let at = offset;
  for (;;) {
    const code = text.charCodeAt(at);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) at++;
    else if (code === 0x23) {
      const end = text.indexOf('\n', at);
      if (end === -1) return text.length;
      at = end + 1;
    } else return at;
  }
}
