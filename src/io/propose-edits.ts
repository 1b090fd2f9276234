import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { expiryRulesFromRaw, proposeExpiry } from '../core/audit-propose.js';
import { ConfigError, KeyplanError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { displayPath } from './display-path.js';
import { resolveIncludes } from './include-files.js';
import { readConfigFile } from './read-config-file.js';
import { parseYamlSource } from './yaml-source.js';

/** A key entry in a YAML file: the line its `- name:` item starts on, and its name. */
export interface KeyLocation {
  /** Absolute path. */
  file: string;
  line: number;
  name: string;
}

export type KeyEdit =
  | { kind: 'remove'; at: KeyLocation; reason: string }
  | { kind: 'set-expiry'; at: KeyLocation; expires: string; reason: string };

/** One change made to a file, as printed: `keys.yaml:12 removed Old_Reader (stale: ...)`. */
export interface AppliedEdit {
  /** As messages name it (relative to the working directory). */
  file: string;
  line: number;
  name: string;
  change: string;
  reason: string;
}

export interface SkippedKey {
  file: string;
  line: number;
  name: string;
  reason: string;
}

interface LoadedFile {
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/**
 * Applies the edits as splices of the file's text, one parse and one atomic write per file: every byte of what
 * is not edited stays as it was (comments, quoting, flow maps, spacing). A removed entry takes the comment lines
 * right above it, which describe it, and the blank lines after it.
 */
export async function applyKeyEdits(edits: readonly KeyEdit[], cwd: string = process.cwd()): Promise<AppliedEdit[]> {
  const byFile = new Map<string, KeyEdit[]>();
  for (const edit of edits) byFile.set(edit.at.file, [...(byFile.get(edit.at.file) ?? []), edit]);
  const applied: AppliedEdit[] = [];
  for (const [file, fileEdits] of byFile) {
    const loaded = await loadYaml(file, cwd);
    const seq = keysSequence(loaded.doc);
    const splices: Splice[] = [];
    for (const edit of [...fileEdits].sort((a, b) => a.at.line - b.at.line)) {
      const item = findEntry(seq, loaded.lines, edit.at, cwd);
      const shown = { file: displayPath(file, cwd), line: edit.at.line, name: edit.at.name, reason: edit.reason };
      if (edit.kind === 'remove') {
        splices.push(removal(loaded, seq as YAMLSeq, item));
        applied.push({ ...shown, change: 'removed' });
      } else {
        splices.push(expirySplice(loaded, item, edit.expires));
        applied.push({ ...shown, change: `added expires: ${edit.expires}` });
      }
    }
    const text = applySplices(loaded.text, splices);
    if (text !== loaded.text) await writeFileAtomic(file, text);
  }
  return applied.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/**
 * The `expires:` edits policy requires, read from the written files (root and includes) rather than the
 * loaded config: a key that breaks require_expiry_for keeps the config from loading at all.
 */
export async function proposeMissingExpiries(configPath: string, cwd: string = process.cwd()): Promise<{ edits: KeyEdit[]; skipped: SkippedKey[] }> {
  const rootPath = resolve(cwd, configPath);
  const shown = displayPath(rootPath, cwd);
  const read = await readConfigFile(rootPath, shown);
  if (!read.ok) throw new ConfigError([read.issue]);
  const parsed = parseYamlSource(read.text, rootPath, shown);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  const rules = expiryRulesFromRaw((parsed.doc.data as { policy?: unknown } | null)?.policy);
  const includes = await resolveIncludes(parsed.doc, dirname(rootPath));
  if (includes.issues.length > 0) throw new ConfigError(includes.issues);

  const edits: KeyEdit[] = [];
  const skipped: SkippedKey[] = [];
  for (const file of [rootPath, ...includes.files]) {
    const loaded = await loadYaml(file, cwd);
    for (const item of keysSequence(loaded.doc)?.items ?? []) {
      if (!isMap(item)) continue;
      const entry: unknown = item.toJSON();
      const proposal = proposeExpiry(entry, rules);
      if (!proposal) continue;
      const at = { file, line: lineOf(item, loaded.lines), name: String((entry as { name?: unknown }).name ?? '') };
      if (proposal.action === 'set') edits.push({ kind: 'set-expiry', at, expires: proposal.expires, reason: proposal.reason });
      else skipped.push({ file: displayPath(file, cwd), line: at.line, name: at.name, reason: proposal.reason });
    }
  }
  return { edits, skipped };
}

async function loadYaml(file: string, cwd: string): Promise<LoadedFile> {
  const shown = displayPath(file, cwd);
  const read = await readConfigFile(file, shown);
  if (!read.ok) throw new ConfigError([read.issue]);
  const lines = new LineCounter();
  const doc = parseDocument(read.text, { lineCounter: lines, keepSourceTokens: false });
  if (doc.errors.length > 0) throw new KeyplanError(`cannot edit ${shown}: ${doc.errors[0]?.message ?? 'YAML syntax error'}`);
  return { text: read.text, doc, lines };
}

function keysSequence(doc: Document.Parsed): YAMLSeq | undefined {
  const keys: unknown = isMap(doc.contents) ? doc.contents.get('keys', true) : undefined;
  return isSeq(keys) ? keys : undefined;
}

function lineOf(node: { range?: [number, number, number] | null }, lines: LineCounter): number {
  return node.range ? lines.linePos(node.range[0]).line : 0;
}

function findEntry(seq: YAMLSeq | undefined, lines: LineCounter, at: KeyLocation, cwd: string): YAMLMap {
  const item = seq?.items.find((candidate) => isMap(candidate) && lineOf(candidate, lines) === at.line && candidate.get('name') === at.name);
  if (!item || !isMap(item)) {
    throw new KeyplanError(`${displayPath(at.file, cwd)}:${at.line}: no key entry named ${at.name} starts there any more; run the audit again`);
  }
  return item;
}

/** Replace text[from, to) with `text`. */
interface Splice {
  from: number;
  to: number;
  text: string;
}

function applySplices(text: string, splices: readonly Splice[]): string {
  let result = text;
  for (const splice of [...splices].sort((a, b) => b.from - a.from)) result = result.slice(0, splice.from) + splice.text + result.slice(splice.to);
  return result;
}

/** The offset where the line holding `offset` starts. */
function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just after the line holding `offset` (past its newline). */
function lineEnd(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end === -1 ? text.length : end + 1;
}

/** Where an entry's block starts: its `- ` line, or the comment lines right above it. */
function blockStart(text: string, item: YAMLMap): number {
  let start = lineStart(text, item.range?.[0] ?? 0);
  while (start > 0) {
    const previous = lineStart(text, start - 1);
    if (!/^[ \t]*#/.test(text.slice(previous, start))) break;
    start = previous;
  }
  return start;
}

/** An entry, from its block start to the next entry's (or to the end of its own last line). */
function removal({ text }: LoadedFile, seq: YAMLSeq, item: YAMLMap): Splice {
  if (seq.flow) throw new KeyplanError('keyplan audit --propose edits only `keys:` written as a block list (`- name: ...`)');
  const index = seq.items.indexOf(item);
  const next = seq.items[index + 1];
  const from = blockStart(text, item);
  const to = isMap(next) ? blockStart(text, next) : lineEnd(text, Math.max(from, (item.range?.[1] ?? from) - 1));
  return { from, to, text: '' };
}

/** Sets `expires:`, replacing `expires: never`, else a line right after `roles:` where people look for it. */
function expirySplice({ text }: LoadedFile, item: YAMLMap, expires: string): Splice {
  const existing = item.items.find((pair) => isScalar(pair.key) && pair.key.value === 'expires');
  const value = existing?.value;
  if (isScalar(value) && value.range) return { from: value.range[0], to: value.range[1], text: expires };
  if (item.flow) throw new KeyplanError('keyplan audit --propose adds `expires:` only to key entries written as block maps');
  const first = item.items[0]?.key;
  const column = isScalar(first) && first.range ? first.range[0] - lineStart(text, first.range[0]) : 2;
  const roles = item.items.find((pair) => isScalar(pair.key) && pair.key.value === 'roles');
  const after = (roles?.value as { range?: [number, number, number] } | null | undefined)?.range ?? item.range;
  const at = lineEnd(text, Math.max(0, (after?.[1] ?? 0) - 1));
  const newline = text.slice(0, at).endsWith('\n') ? '' : '\n';
  return { from: at, to: at, text: `${newline}${' '.repeat(column)}expires: ${expires}\n` };
}
