import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { DesiredState } from '../core/model.js';
import { normalizeConfig, type SourceDocument } from '../core/config.js';
import { displayPath } from './display-path.js';
import { readConfigFile } from './read-config-file.js';
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
}

/**
 * Reads keys.yaml and its includes, validates them against the schema and the checks the schema cannot express,
 * and returns the normalized desired state. Throws ConfigError carrying every issue found, each positioned.
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<DesiredState> {
  const cwd = options.cwd ?? process.cwd();
  const now = options.now ?? Date.now();
  const rootPath = resolve(cwd, path);
  const baseDir = dirname(rootPath);
  const issues: ConfigIssue[] = [];

  let program: ProgramPositions | undefined;
  const root = await loadSource(rootPath, cwd, 'root', issues, (text, shown) => {
    program = programPositions(text, rootPath, shown, cwd);
  });
  const failed = (found: ConfigIssue[]): ConfigError => new ConfigError(program ? found.map(program.issue) : found);
  if (!root) throw failed(issues);

  const includes = await resolveIncludes(root, baseDir);
  appendAll(issues, includes.issues);
  const included: SourceDocument[] = [];
  for (const file of includes.files) {
    const doc = await loadSource(file, cwd, 'included', issues);
    if (doc) included.push(doc);
  }

  const normalized = normalizeConfig({ root, includes: included, baseDir, now, providerTypes: BUILT_IN_NORMALIZERS });
  if (normalized.ok && issues.length === 0) {
    const packageIssues = await packageOptionIssues(root, normalized.state.providers);
    if (packageIssues.length === 0) return program ? program.state(normalized.state) : normalized.state;
    appendAll(issues, packageIssues);
  }
  const reported = new Set(issues.map((issue) => `${issue.file}\u0000${issue.path}`));
  if (!normalized.ok) {
    // The schema already reported these nodes (e.g. a malformed duration); say it once.
    appendAll(issues, normalized.issues.filter((issue) => !reported.has(`${issue.file}\u0000${issue.path}`)));
  }
  throw failed(sortIssues(issues, [root.displayPath, ...included.map((doc) => doc.displayPath)]));
}

async function loadSource(path: string, cwd: string, role: FileRole, issues: ConfigIssue[], read?: (text: string, shown: string) => void): Promise<SourceDocument | undefined> {
  const shown = displayPath(path, cwd);
  const file = await readConfigFile(path, shown);
  if (!file.ok) {
    issues.push(file.issue);
    return undefined;
  }
  read?.(file.text, shown);
  const parsed = parseYamlSource(file.text, path, shown);
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
