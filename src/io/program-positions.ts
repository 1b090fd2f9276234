import { dirname, resolve } from 'node:path';
import { constructAt, isSynthesized } from '../constructs/construct-comments.js';
import type { ConfigIssue, SourcePosition } from '../core/errors.js';
import type { DesiredKey, DesiredState } from '../core/model.js';
import { displayPath } from './display-path.js';

/** Positions in a keys.yaml keyplan/constructs wrote, moved to the program lines that declared them. */
export interface ProgramPositions {
  position(at: SourcePosition): SourcePosition;
  /** The issue at the construct's `new …(…)` in the program, its message starting with the construct path. */
  issue(issue: ConfigIssue): ConfigIssue;
  state(state: DesiredState): DesiredState;
}

/**
 * For a synthesized keys.yaml (its header says so), errors and plan problems name the construct and the line of
 * the user's program: the file itself is output (often a temporary one `--app` removes), not what anyone edits.
 * undefined for any other file. A construct comment without a source (an older program) keeps the file's
 * position and only names the construct.
 */
export function programPositions(text: string, rootPath: string, shown: string, cwd: string): ProgramPositions | undefined {
  if (!isSynthesized(text)) return undefined;
  const baseDir = dirname(rootPath);
  const position = (at: SourcePosition): SourcePosition => {
    if (at.file !== shown) return at;
    const source = constructAt(text, at.line)?.source;
    return source ? { file: displayPath(resolve(baseDir, source.file), cwd), line: source.line, column: source.column } : at;
  };
  const place = (at: SourcePosition): string => {
    const moved = position(at);
    const where = moved === at ? undefined : `${moved.file}:${moved.line}:${moved.column}`;
    const path = constructAt(text, at.line)?.path;
    return path && where ? `${path} (${where})` : (path ?? `${at.file}:${at.line}:${at.column}`);
  };
  const escaped = shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const within = new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g');
  const issue = (found: ConfigIssue): ConfigIssue => {
    const construct = found.file === shown ? constructAt(text, found.line) : undefined;
    if (!construct) return found;
    const message = found.message.replace(within, (_, line: string, column: string) => place({ file: shown, line: Number(line), column: Number(column) }));
    return { ...found, ...position(found), message: `${construct.path}: ${message}` };
  };
  const key = (desired: DesiredKey): DesiredKey => {
    const fields = desired.fields && Object.fromEntries(Object.entries(desired.fields).map(([name, at]) => [name, position(at)]));
    return { ...desired, source: position(desired.source), ...(fields ? { fields } : {}) };
  };
  return {
    position,
    issue,
    state: (state) => ({
      ...state,
      keys: state.keys.map(key),
      providers: Object.fromEntries(Object.entries(state.providers).map(([name, provider]) => [name, { ...provider, source: position(provider.source) }])),
    }),
  };
}
