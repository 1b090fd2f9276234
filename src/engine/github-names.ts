import { resolve } from 'node:path';
import type { DesiredState } from '../core/model.js';
import { displayPath } from '../io/display-path.js';

/** How a configuration is named on GitHub: its path relative to the working directory (the repository root in Actions). */
export function configName(configPath: string, cwd = process.cwd()): string {
  return displayPath(resolve(cwd, configPath), cwd).split('\\').join('/');
}

/** The `ownership:` of keys.yaml (`default` when not written). */
export function ownershipOf(state: DesiredState): string {
  return state.ownership;
}

/**
 * The hidden first line that names what keyplan wrote for one configuration: two keys.yaml files in one
 * repository (or one file under two ownerships) keep two comments and two issues.
 */
export function markerFor(kind: 'plan' | 'audit' | 'diff', config: string, ownership: string | undefined): string {
  const value = (text: string) => encodeURIComponent(text).replace(/%2F/g, '/');
  return `<!-- keyplan:${kind} config=${value(config)} ownership=${value(ownership ?? '-')} -->`;
}
