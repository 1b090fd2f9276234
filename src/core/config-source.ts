import type { ConfigIssue } from './errors.js';

/** Steps from a document's root to one node: property names and sequence indexes. */
export type NodePath = readonly (string | number)[];

/** Whether a position names a property's key (`roles:`) or its value. */
export type NodePart = 'key' | 'value';

/** One parsed config file, as the I/O layer hands it to the pure core. */
export interface SourceDocument {
  /** Absolute path of the file. */
  path: string;
  /** How messages name the file: relative to the working directory when inside it. */
  displayPath: string;
  /** The file's content as plain data (YAML mappings as objects). */
  data: unknown;
  /** 1-based line and column of a node, or of the nearest existing ancestor. */
  locate(path: NodePath, part?: NodePart): { line: number; column: number };
}

/** `['keys', 3, 'roles']` -> `/keys/3/roles` (JSON pointer escaping). */
export function toPointer(path: NodePath): string {
  return path.map((step) => `/${String(step).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

export function issueAt(doc: SourceDocument, path: NodePath, message: string, part: NodePart = 'value'): ConfigIssue {
  const { line, column } = doc.locate(path, part);
  return { file: doc.displayPath, line, column, path: toPointer(path), message };
}

/** `file:line:column` of a node, for messages that point at a second place. */
export function placeOf(doc: SourceDocument, path: NodePath, part: NodePart = 'value'): string {
  const { line, column } = doc.locate(path, part);
  return `${doc.displayPath}:${line}:${column}`;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The strings of a list; anything else (the schema reports it) yields []. */
export function asStringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
