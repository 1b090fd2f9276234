import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from '../core/config.js';
import { issueAt } from '../core/config-source.js';
import { WORKING_FILES, type ConfigTree } from './config-tree.js';

export interface IncludeResolution {
  /** Absolute paths of the included files, each once, in pattern order then sorted. */
  files: string[];
  issues: ConfigIssue[];
}

/**
 * Expands the root file's `include:` globs relative to its directory. A pattern matching nothing is an error,
 * and so is one matching the root file itself (the only cycle possible: included files may not include).
 */
export async function resolveIncludes(root: SourceDocument, baseDir: string, tree: ConfigTree = WORKING_FILES): Promise<IncludeResolution> {
  const patterns = (root.data as { include?: unknown } | null)?.include;
  if (!Array.isArray(patterns) || patterns.length === 0) return { files: [], issues: [] };
  const files: string[] = [];
  const issues: ConfigIssue[] = [];
  for (const [index, pattern] of patterns.entries()) {
    if (typeof pattern !== 'string' || pattern === '') continue;
    const { files: matches, outside } = await tree.glob(pattern, baseDir);
    if (outside.length > 0) {
      issues.push(issueAt(root, ['include', index], `include "${pattern}" reaches outside the repository (${outside[0]}): keyplan diff reads only files of the repository`));
    }
    if (matches.length === 0 && outside.length === 0) {
      issues.push(issueAt(root, ['include', index], `include "${pattern}" matches no file (patterns are relative to ${root.displayPath}'s directory)`));
      continue;
    }
    for (const file of matches) {
      if (file === root.path) {
        issues.push(issueAt(root, ['include', index], `include "${pattern}" matches the root file ${root.displayPath} itself: a file cannot include itself; narrow the pattern`));
      } else if (!files.includes(file)) {
        files.push(file);
      }
    }
  }
  return { files, issues };
}
