import { readConfigFile, type ReadResult } from './read-config-file.js';

/**
 * Where a configuration's files are read from: the working tree (the default), or a git revision
 * (src/io/git-tree.ts). Paths are absolute; a tree may refuse one (outside the repository, a link).
 */
export interface ConfigTree {
  read(path: string, shown: string): Promise<ReadResult>;
  /** The files `pattern` matches relative to `baseDir`, as absolute paths, sorted; `outside` lists matches the tree refuses. */
  glob(pattern: string, baseDir: string): Promise<{ files: string[]; outside: string[] }>;
}

/** The files on disk, as `keyplan validate` / `plan` read them. */
export const WORKING_FILES: ConfigTree = {
  read: readConfigFile,
  glob: async (pattern, baseDir) => ({ files: await globFiles(pattern, baseDir), outside: [] }),
};

/** tinyglobby, loaded only when a config has includes: keeps `validate` of a single file fast to start. */
export async function globFiles(pattern: string, baseDir: string): Promise<string[]> {
  const { glob } = await import('tinyglobby');
  return (await glob(pattern, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false })).sort();
}
