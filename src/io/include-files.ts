import type { ConfigIssue } from '../core/errors.js';
import type { SourceDocument } from '../core/config.js';
import { issueAt } from '../core/config-source.js';

export interface IncludeResolution {
  /** Absolute paths of the included files, each once, in pattern order then sorted. */
  files: string[];
  issues: ConfigIssue[];
}

/**
 * Expands the root file's `include:` globs relative to its directory. A pattern matching nothing is an error,
 * and so is one matching the root file itself (the only cycle possible: included files may not include).
 */
export async function resolveIncludes(root: SourceDocument, baseDir: string): Promise<IncludeResolution> {
  const patterns = (root.data as { include?: unknown } | null)?.include;
  if (!Array.isArray(patterns) || patterns.length === 0) return { files: [], issues: [] };
  // Loaded only when a config has includes: keeps `validate` of a single file fast to start.
  const { glob } = await import('tinyglobby');
  const files: string[] = [];
  const issues: ConfigIssue[] = [];
  for (const [index, pattern] of patterns.entries()) {
    if (typeof pattern !== 'string' || pattern === '') continue;
    const matches = (await glob(pattern, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) {
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
