import { readFile, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { declaredDiff } from '../core/declared-diff.js';
import { writtenSensitiveChanges } from '../core/declared-diff-written.js';
import { DiffJsonError, readDiffJson } from '../core/declared-diff-read.js';
import { KeyplanError } from '../core/errors.js';
import { DIFF_JSON_VERSION } from '../render/diff-json.js';
import type { DiffReport, DiffSide } from '../core/declared-diff-types.js';
import type { DesiredState } from '../core/model.js';
import { displayPath } from '../io/display-path.js';
import { gitRevisionTree, repositoryRoot, resolveCommit, workingTreeIn } from '../io/git-tree.js';
import { loadDeclaredConfig } from '../io/load-config.js';
import { diffRoles, lastUseFromAudit } from './diff-inputs.js';
import { configName } from './github-names.js';

export type { DiffReport } from '../core/declared-diff-types.js';

export interface DiffRequest {
  configPath: string;
  /** The git revision to compare with (a branch, tag or commit). */
  base: string;
  now: number;
  cwd?: string;
  rolesFile?: string;
  auditFile?: string;
}

/**
 * `keyplan diff`: what the working tree's configuration declares, against a git revision. Offline: reads git
 * objects and files of the repository only, opens no provider, reads no token, runs no program.
 */
export async function diffFromGit(request: DiffRequest): Promise<DiffReport> {
  const cwd = await realpath(request.cwd ?? process.cwd());
  const rootPath = resolve(cwd, request.configPath);
  const root = await repositoryRoot(dirname(rootPath));
  const commit = await resolveCommit(root, request.base);
  const [roles, lastUse] = [diffRoles(request.rolesFile), await lastUseFromAudit(request.auditFile)];
  const head = await loadDeclaredConfig(rootPath, { cwd, now: request.now, tree: workingTreeIn(root) });
  const tree = await gitRevisionTree(root, commit, request.base);
  try {
    const base = (await tree.exists(rootPath)) ? await loadDeclaredConfig(rootPath, { cwd, now: request.now, tree }) : undefined;
    const baseSide: DiffSide = base === undefined ? { status: 'absent', issues: [] } : base.ok ? { status: 'valid', issues: [] } : { status: 'invalid', issues: base.issues };
    const headSide: DiffSide = head.ok ? { status: 'valid', issues: [] } : { status: 'invalid', issues: head.issues };
    const baseState: DesiredState | undefined = base?.ok ? base.state : undefined;
    const diff = head.ok
      ? declaredDiff({ base: baseState, head: head.state, roles, lastUse, baseDir: dirname(rootPath) })
      : { changes: [], sensitive: writtenSensitiveChanges(base?.root?.data, head.root?.data) };
    return {
      config: configName(displayPath(rootPath, cwd), cwd),
      ownership: head.ok ? head.state.ownership : undefined,
      base: { ...baseSide, ref: request.base, commit },
      head: headSide,
      diff,
    };
  } finally {
    await tree.dispose();
  }
}

/** A report `keyplan diff --format json` wrote in another run (an artifact), checked field by field. */
export async function diffFromFile(file: string): Promise<DiffReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new KeyplanError(`--from ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return readDiffJson(JSON.parse(text), DIFF_JSON_VERSION);
  } catch (error) {
    const why = error instanceof DiffJsonError || error instanceof SyntaxError ? error.message : String(error);
    throw new KeyplanError(`--from ${file}: not the JSON of keyplan diff --format json: ${why}`);
  }
}
