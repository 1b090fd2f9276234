import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { DesiredState } from '../core/model.js';
import { normalizeConfig, type SourceDocument } from '../core/config.js';
import { displayPath } from './display-path.js';
import { WORKING_FILES, type ConfigTree } from './config-tree.js';
import { parseYamlSource } from './yaml-source.js';
import { validateAgainstSchema, type FileRole } from './schema-validator.js';
import { BUILT_IN_NORMALIZERS } from '../providers/normalizers.js';
import { resolveIncludes } from './include-files.js';
import { packageOptionIssues } from './package-options.js';
import { appendAll } from '../core/append.js';
import { programPositions, type ProgramPositions } from './program-positions.js';

export interface LoadConfigOptions {
  /** For checking absolute expiry dates against policy.max_lifetime; the CLI passes Date.now(). */
  now?: number;
  /** Base for a relative `path` and for file names in messages; defaults to process.cwd(). */
  cwd?: string;
  /** Where the files are read from; the working tree by default. */
  tree?: ConfigTree;
}

/** What a configuration declares, read and checked without loading any provider code. */
export type DeclaredConfig =
  | { ok: true; state: DesiredState; root: SourceDocument; program?: ProgramPositions }
  /** `root`: the root file as written, when it parsed (a review can still read what it declares). */
  | { ok: false; issues: ConfigIssue[]; root?: SourceDocument };

/**
 * Reads keys.yaml and its includes, validates them against the schema and the checks the schema cannot express,
 * and returns the normalized desired state. Throws ConfigError carrying every issue found, each positioned.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<DesiredState> {
  const declared = await loadDeclaredConfig(path, options);
  if (!declared.ok) throw new ConfigError(declared.issues);
  const { program } = declared;
  const packageIssues = await packageOptionIssues(declared.root, declared.state.providers);
  if (packageIssues.length > 0) {
    const sorted = sortIssues(packageIssues, [declared.root.displayPath]);
    throw new ConfigError(program ? sorted.map(program.issue) : sorted);
  }
  return program ? program.state(declared.state) : declared.state;
}

/**
 * loadConfig without the checks that load code (a `type: package` provider's options schema): what `keyplan
 * diff` reads from each side of a change, from any ConfigTree.
 */
export async function loadDeclaredConfig(path: string, options: LoadConfigOptions = {}): Promise<DeclaredConfig> {
  const cwd = options.cwd ?? process.cwd();
  const tree = options.tree ?? WORKING_FILES;
  const now = options.now ?? Date.now();
  const rootPath = resolve(cwd, path);
  const baseDir = dirname(rootPath);
  const issues: ConfigIssue[] = [];

  // A config a program synthesized (--app) points its issues at the program's lines, never at the temp file.
  let program: ProgramPositions | undefined;
  const root = await loadSource(rootPath, cwd, 'root', issues, tree, (text, shown) => {
    program = programPositions(text, rootPath, shown, cwd);
  });
  const failed = (found: ConfigIssue[]): DeclaredConfig => ({ ok: false, issues: program ? found.map(program.issue) : found, ...(root ? { root } : {}) });
  if (!root) return failed(issues);

  const includes = await resolveIncludes(root, baseDir, tree);
  appendAll(issues, includes.issues);
  const included: SourceDocument[] = [];
  for (const file of includes.files) {
    const doc = await loadSource(file, cwd, 'included', issues, tree);
    if (doc) included.push(doc);
  }

  const normalized = normalizeConfig({ root, includes: included, baseDir, now, providerTypes: BUILT_IN_NORMALIZERS });
  if (normalized.ok && issues.length === 0) return { ok: true, state: normalized.state, root, ...(program ? { program } : {}) };
  const reported = new Set(issues.map((issue) => `${issue.file}\u0000${issue.path}`));
  if (!normalized.ok) {
    // The schema already reported these nodes (e.g. a malformed duration); say it once.
    appendAll(issues, normalized.issues.filter((issue) => !reported.has(`${issue.file}\u0000${issue.path}`)));
  }
  return failed(sortIssues(issues, [root.displayPath, ...included.map((doc) => doc.displayPath)]));
}

async function loadSource(path: string, cwd: string, role: FileRole, issues: ConfigIssue[], tree: ConfigTree, onText?: (text: string, shown: string) => void): Promise<SourceDocument | undefined> {
  const shown = displayPath(path, cwd);
  const read = await tree.read(path, shown);
  if (!read.ok) {
    issues.push(read.issue);
    return undefined;
  }
  onText?.(read.text, shown);
  const parsed = parseYamlSource(read.text, path, shown);
  if (!parsed.ok) {
    appendAll(issues, parsed.issues);
    return undefined;
  }
  if (parsed.doc.data === null || parsed.doc.data === undefined) {
    const expected = role === 'root' ? '`version: 1` and `keys:`' : 'a `keys:` list';
    issues.push({ file: shown, line: 1, column: 1, path: '', message: `${shown} is empty: expected ${expected}` });
    return undefined;
  }
  appendAll(issues, await validateAgainstSchema(parsed.doc, role));
  return parsed.doc;
}

/** Root file first, then includes in load order; within a file by line and column. */
function sortIssues(issues: ConfigIssue[], fileOrder: string[]): ConfigIssue[] {
  const rank = (file: string): number => {
    const index = fileOrder.indexOf(file);
    return index === -1 ? fileOrder.length : index;
  };
  return [...issues].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line || a.column - b.column);
}
