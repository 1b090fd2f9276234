import { resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { displayPath } from '../io/display-path.js';
import { loadConfig } from '../io/load-config.js';

export type Validation =
  | { valid: true; shown: string; keys: number; files: number; providers: number }
  | { valid: false; shown: string; issues: readonly ConfigIssue[] };

/** `keyplan validate`: every problem of keys.yaml and its includes, or what it declares. */
export async function validateConfig(configPath: string, now: number): Promise<Validation> {
  const shown = displayPath(resolve(configPath));
  try {
    const state = await loadConfig(configPath, { now });
    return { valid: true, shown, keys: state.keys.length, files: state.files.length, providers: Object.keys(state.providers).length };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { valid: false, shown, issues: error.issues };
  }
}
