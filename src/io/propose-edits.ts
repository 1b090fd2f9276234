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
 * Applies the edits with the yaml Document API, one parse and one atomic write per file, so comments,
 * quoting, flow lists and blank lines of everything not edited are kept.
 */
export async function applyKeyEdits(edits: readonly KeyEdit[], cwd: string = process.cwd()): Promise<AppliedEdit[]> {
  const byFile = new Map<string, KeyEdit[]>();
  for (const edit of edits) byFile.set(edit.at.file, [...(byFile.get(edit.at.file) ?? []), edit]);
  const applied: AppliedEdit[] = [];
  for (const [file, fileEdits] of byFile) {
    const loaded = await loadYaml(file, cwd);
    const seq = keysSequence(loaded.doc);
    const removed = new Set<unknown>();
    for (const edit of [...fileEdits].sort((a, b) => a.at.line - b.at.line)) {
      const item = findEntry(seq, loaded.lines, edit.at, cwd);
      const shown = { file: displayPath(file, cwd), line: edit.at.line, name: edit.at.name, reason: edit.reason };
      if (edit.kind === 'remove') {
        removed.add(item);
        applied.push({ ...shown, change: 'removed' });
      } else {
        setExpiry(loaded.doc, item, edit.expires);
        applied.push({ ...shown, change: `added expires: ${edit.expires}` });
      }
    }
    if (seq) {
      // The comment above the first item is held by the list; it describes that key, so it goes with it.
      if (removed.has(seq.items[0])) seq.commentBefore = undefined;
      seq.items = seq.items.filter((item) => !removed.has(item));
    }
    const text = serialize(loaded);
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

/** Sets `expires:`, replacing `expires: never`, else placed right after `roles:` where people look for it. */
function setExpiry(doc: Document.Parsed, item: YAMLMap, expires: string): void {
  const existing = item.items.find((pair) => isScalar(pair.key) && pair.key.value === 'expires');
  if (existing) {
    existing.value = doc.createNode(expires);
    return;
  }
  const rolesIndex = item.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === 'roles');
  const pair = doc.createPair('expires', expires);
  item.items.splice(rolesIndex === -1 ? item.items.length : rolesIndex + 1, 0, pair);
}

/** Writes the document back in the file's own list style (`- name:` indented under `keys:` or not). */
function serialize({ doc, text }: LoadedFile): string {
  const indentSeq = !/^keys:[ \t]*(?:#.*)?\r?\n(?:[ \t]*(?:#.*)?\r?\n)*- /m.test(text);
  return doc.toString({ lineWidth: 0, indentSeq, flowCollectionPadding: false });
}
