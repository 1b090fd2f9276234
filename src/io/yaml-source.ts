import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigIssue } from '../core/errors.js';
import type { NodePart, NodePath, SourceDocument } from '../core/config.js';

export type ParsedSource = { ok: true; doc: SourceDocument } | { ok: false; issues: ConfigIssue[] };

/** Aliases expanding to more nodes than this are refused (a "billion laughs" document). */
const MAX_ALIAS_COUNT = 1000;

/**
 * Parses one YAML file keeping source positions. Syntax errors, duplicate mapping keys, several documents
 * in one file and alias bombs become positioned issues; then the file's data is not trusted any further.
 */
export function parseYamlSource(text: string, path: string, displayPath: string): ParsedSource {
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

function startOf(node: unknown, lines: LineCounter): { line: number; column: number } | undefined {
  const range = (node as Node | null | undefined)?.range;
  if (!range) return undefined;
  const { line, col } = lines.linePos(range[0]);
  return { line, column: col };
}
