import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { KeyplanError } from '../core/errors.js';
import { globFiles, type ConfigTree } from './config-tree.js';
import { decodeConfigText, MAX_CONFIG_BYTES, readConfigFile, type ReadResult } from './read-config-file.js';

/**
 * git, run with execFile (no shell) and a config that runs nothing: no pager, no fsmonitor, no textconv.
 * Only plumbing commands that read objects are used, so no hook or filter of the repository ever runs.
 */
function git(cwd: string, args: string[], maxBuffer = MAX_CONFIG_BYTES + 1024): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', ['-c', 'core.fsmonitor=false', '-c', 'core.pager=cat', ...args], { cwd, encoding: 'buffer', maxBuffer, env: gitEnv() }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: stderr.toString('utf8').trim() }));
      else resolvePromise(stdout);
    });
  });
}

/** The environment git needs (PATH, HOME), without anything else of ours: no token reaches it. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  for (const name of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

/** The repository's top-level directory (real path), or a KeyplanError saying there is none. */
export async function repositoryRoot(dir: string): Promise<string> {
  try {
    return await realpath((await git(dir, ['rev-parse', '--show-toplevel'])).toString('utf8').trim());
  } catch {
    throw new KeyplanError(`keyplan diff needs a git repository: ${dir} is not inside one (or does not exist)`);
  }
}

/** The commit `ref` names, or a KeyplanError naming the ref. */
export async function resolveCommit(root: string, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new KeyplanError(`--base must name a git revision, not "${ref}"`);
  try {
    return (await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).toString('utf8').trim();
  } catch {
    throw new KeyplanError(`--base ${ref}: no such git revision in this repository (fetch it first, e.g. git fetch origin ${ref})`);
  }
}

interface TreeEntry {
  mode: string;
  type: string;
  path: string;
}

/** Every entry of `commit` under `dir` (relative to the root, '' for all), recursively. */
async function listTree(root: string, commit: string, dir: string): Promise<TreeEntry[]> {
  const args = ['ls-tree', '-r', '-z', '--full-tree', commit];
  if (dir !== '') args.push('--', dir);
  const out = (await git(root, args, 256 * 1024 * 1024)).toString('utf8');
  return out.split('\0').filter(Boolean).map((line) => {
    const tab = line.indexOf('\t');
    const [mode = '', type = ''] = line.slice(0, tab).split(' ');
    return { mode, type, path: line.slice(tab + 1) };
  });
}

/** `path` relative to the repository root with / separators, or undefined when it is outside it. */
function insideRoot(root: string, path: string): string | undefined {
  const rel = relative(root, resolve(path));
  if (rel === '' || rel.startsWith('..') || resolve(root, rel) !== resolve(path)) return rel === '' ? '' : undefined;
  return rel.split(sep).join('/');
}

/**
 * The files of one commit, read from git objects: regular files only (a symbolic link is refused, never
 * followed), none outside the repository. Globs run against a mirror of empty files, so `include:`
 * patterns match exactly as on disk. `dispose()` removes the mirror.
 */
export interface RevisionTree extends ConfigTree {
  /** Whether the revision has a file (of any kind) at `path`. */
  exists(path: string): Promise<boolean>;
  dispose(): Promise<void>;
}

export async function gitRevisionTree(root: string, commit: string, label: string): Promise<RevisionTree> {
  let mirror: Promise<string> | undefined;
  const mirrors: string[] = [];
  const entryOf = async (rel: string): Promise<TreeEntry | undefined> => (await listTree(root, commit, rel)).find((entry) => entry.path === rel);
  const read = async (path: string, shown: string): Promise<ReadResult> => {
    const fail = (message: string): ReadResult => ({ ok: false, issue: { file: shown, line: 1, column: 1, path: '', message: `cannot read ${shown} at ${label}: ${message}` } });
    const rel = insideRoot(root, path);
    if (rel === undefined || rel === '') return fail('it is outside the repository');
    const entry = await entryOf(rel);
    if (!entry) return fail('no such file');
    if (entry.mode === '120000') return fail('it is a symbolic link (keyplan diff never follows links)');
    if (entry.type !== 'blob') return fail('it is not a file');
    const bytes = await git(root, ['cat-file', 'blob', `${commit}:${rel}`]);
    if (bytes.length > MAX_CONFIG_BYTES) return fail(`it is more than the ${MAX_CONFIG_BYTES / (1024 * 1024)} MB a config file may have`);
    return decodeConfigText(bytes, fail);
  };
  const glob = async (pattern: string, baseDir: string) => {
    const rel = insideRoot(root, baseDir);
    if (rel === undefined) return { files: [], outside: [baseDir] };
    mirror ??= mirrorOf(root, commit, mirrors);
    const base = await mirror;
    const found = await globFiles(pattern, join(base, rel));
    const files: string[] = [];
    const outside: string[] = [];
    for (const file of found) {
      const inside = insideRoot(base, file);
      if (inside === undefined || inside === '') outside.push(relative(join(base, rel), file));
      else files.push(join(root, inside));
    }
    return { files: files.sort(), outside };
  };
  const exists = async (path: string) => {
    const rel = insideRoot(root, path);
    return rel !== undefined && rel !== '' && (await entryOf(rel)) !== undefined;
  };
  return { read, glob, exists, dispose: async () => { for (const dir of mirrors) await rm(dir, { recursive: true, force: true }); } };
}

async function mirrorOf(root: string, commit: string, mirrors: string[]): Promise<string> {
  const top = await mkdtemp(join(tmpdir(), 'keyplan-diff-'));
  mirrors.push(top);
  const base = join(top, 'repo');
  await mkdir(base);
  for (const entry of await listTree(root, commit, '')) {
    if (entry.type !== 'blob' || entry.mode === '120000') continue;
    const file = join(base, entry.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, '');
  }
  return base;
}

/** The working tree, held to the repository: a file or include reached through a link to outside it is refused. */
export function workingTreeIn(root: string): ConfigTree {
  const inside = async (path: string): Promise<boolean> => {
    try {
      return insideRoot(root, await realpath(path)) !== undefined;
    } catch {
      return true; // a missing file: readConfigFile says so
    }
  };
  return {
    read: async (path, shown) => {
      if (!(await inside(path))) return { ok: false, issue: { file: shown, line: 1, column: 1, path: '', message: `cannot read ${shown}: it is outside the repository (keyplan diff reads only files of the repository)` } };
      return readConfigFile(path, shown);
    },
    glob: async (pattern, baseDir) => {
      const files: string[] = [];
      const outside: string[] = [];
      for (const file of await globFiles(pattern, baseDir)) ((await inside(file)) ? files : outside).push(file);
      return { files, outside: outside.map((file) => relative(baseDir, file)) };
    },
  };
}
