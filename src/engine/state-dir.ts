import { dirname, join, resolve } from 'node:path';
import type { DesiredState } from '../core/model.js';

export const STATE_DIR_ENV = 'KEYPLAN_STATE_DIR';

/**
 * Where apply keeps what it needs between runs (its lock, the journal of unfinished creates, recovery files):
 * KEYPLAN_STATE_DIR (relative to the working directory), else `state_dir:` of keys.yaml, else `.keyplan/`
 * beside the root file, or in the project directory of an --app program (whose keys.yaml is temporary).
 */
export function stateDirOf(state: Pick<DesiredState, 'files' | 'stateDir'>, env: Readonly<Record<string, string | undefined>>, projectDir?: string): string {
  const fromEnv = env[STATE_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  if (state.stateDir !== undefined) return state.stateDir;
  const root = state.files[0];
  if (root === undefined) throw new Error('a loaded config names its root file');
  return join(projectDir ?? dirname(root), '.keyplan');
}
