import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { ConfigIssue } from '../core/errors.js';
import type { NodePart, NodePath, SourceDocument } from '../core/config.js';
import { pairOffset, parseFastYaml, type NodeOffsets } from './fast-yaml.js';

export type ParsedSource = { ok: true; doc: SourceDocument } | { ok: false; issues: ConfigIssue[] };

/** Aliases expanding to more nodes than this are refused (a "billion laughs" document). */
const MAX_ALIAS_COUNT = 1000;

/**
 * Parses one YAML file keeping source positions. Syntax errors, duplicate mapping keys, several documents
 * in one file and alias bombs become positioned issues; then the file's data is not trusted any further.
 *
 * A plain file is read by the fast reader (js-yaml), which knows where mappings, lists and keys start; any
 * other position is asked of the `yaml` Document, parsed only then. Files the fast reader declines (errors
 * included) go straight to the `yaml` Document path, which words the issues.
 */
export function parseYamlSource(text: string, path: string, displayPath: string): ParsedSource {
  const fast = parseFastYaml(text);
  if (!fast) return parseYamlDocument(text, path, displayPath);
  const lines = lineStarts(text);
  let positioned: SourceDocument | undefined;
  const slowLocate = (nodePath: NodePath, part: NodePart): { line: number; column: number } => {
    if (!positioned) {
      const parsed = parseYamlDocument(text, path, displayPath);
      // Not reached while both readers agree on what is valid YAML (test/io/fast-yaml.test.ts checks they do).
      if (!parsed.ok) return { line: 1, column: 1 };
      positioned = parsed.doc;
    }
    return positioned.locate(nodePath, part);
  };
  return {
    ok: true,
    doc: {
      path,
      displayPath,
      data: fast.data,
      locate: (nodePath, part = 'value') => {
        const offset = knownOffset(fast.data, fast.offsets, nodePath, part);
        return offset === undefined ? slowLocate(nodePath, part) : positionOf(lines, offset);
      },
    },
  };
}

/** The `yaml` Document path: slower, positions every node, and turns every problem into a positioned issue. */
export function parseYamlDocument(text: string, path: string, displayPath: string): ParsedSource {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  let document: Document.Parsed;
  let data: unknown;
  try {
    document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (document.errors.length > 0) {
      return {
        ok: false,
        issues: document.errors.map((error) => {
          const { line, col } = lineCounter.linePos(error.pos[0]);
          return { file: displayPath, line, column: col, path: '', message: yamlMessage(error.code, error.message, text, error.pos) };
        }),
      };
    }
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { ok: false, issues: [{ file: displayPath, line: 1, column: 1, path: '', message: unparseableMessage(error) }] };
  }
  return {
    ok: true,
    doc: { path, displayPath, data, locate: (nodePath, part) => locate(document, lineCounter, nodePath, part ?? 'value') },
  };
}

function yamlMessage(code: string, message: string, text: string, pos: [number, number]): string {
  if (code === 'DUPLICATE_KEY') {
    const key = (/^[^:\n]*/.exec(text.slice(pos[0], pos[0] + 200))?.[0] ?? '').trim();
    return key ? `duplicate mapping key "${key}": each key may appear once in a mapping` : 'duplicate mapping key: each key may appear once in a mapping';
  }
  if (code === 'MULTIPLE_DOCS') return 'this file holds several YAML documents (---); keyplan reads one document per file';
  if (/call stack/i.test(message)) return 'cannot read this YAML: it is nested too deeply';
  return `YAML syntax error: ${message}`;
}

function unparseableMessage(error: unknown): string {
  if (error instanceof RangeError) return 'cannot read this YAML: it is nested too deeply';
  const detail = error instanceof Error ? error.message : String(error);
  if (/alias/i.test(detail)) return `cannot read this YAML: ${detail} (aliases expand too far)`;
  return `cannot read this YAML: ${detail}`;
}

/** The position of a node, or of its nearest existing ancestor when it is missing. */
function locate(document: Document.Parsed, lines: LineCounter, path: NodePath, part: NodePart): { line: number; column: number } {
  const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
  let node: unknown = document.contents;
  let position = startOf(node, lines) ?? { line: 1, column: 1 };
  for (const [index, step] of path.entries()) {
    if (isAlias(node)) node = node.resolve(document);
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(step));
      if (!pair) return position;
      const keyPosition = startOf(pair.key, lines) ?? position;
      if (last && part === 'key') return keyPosition;
      node = pair.value;
      position = startOf(node, lines) ?? keyPosition;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step];
      if (item === undefined) return position;
      node = item;
      position = startOf(node, lines) ?? position;
    } else {
      return position;
    }
  }
  return position;
}

/** The offset the fast reader recorded for a node that exists: a mapping or list, a key, or a mapping's value. */
function knownOffset(data: unknown, offsets: NodeOffsets, path: NodePath, part: NodePart): number | undefined {
  let node = data;
  let valueOffset: number | undefined;
  for (const [index, step] of path.entries()) {
    if (Array.isArray(node) && typeof step === 'number') {
      // List items are not recorded: only a problem in one asks where it is.
      valueOffset = undefined;
      node = node[step];
    } else if (typeof node === 'object' && node !== null && !Array.isArray(node) && Object.hasOwn(node, String(step))) {
      if (index === path.length - 1 && part === 'key') return pairOffset(offsets, node, String(step), 'key');
      valueOffset = pairOffset(offsets, node, String(step), 'value');
      node = (node as Record<string, unknown>)[String(step)];
    } else {
      return undefined;
    }
  }
  if (typeof node === 'object' && node !== null) return offsets.collections.get(node);
  return path.length > 0 ? valueOffset : undefined;
}

/**
 * `yaml` loads only when a file needs its Document path (a problem to word, a position the fast reader did
 * not record): most runs never pay for it. Its CommonJS build loads synchronously, as this code needs.
 */
function yamlLibrary(): typeof Yaml {
  return createRequire(import.meta.url)('yaml') as typeof Yaml;
}

/** Where each line starts; counted as `yaml`'s LineCounter counts, so both paths give the same line:column. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

function positionOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] as number) <= offset) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: offset - (starts[low] as number) + 1 };
}

function startOf(node: unknown, lines: LineCounter): { line: number; column: number } | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (!range) return undefined;
  const { line, col } = lines.linePos(range[0]);
  return { line, column: col };
}
