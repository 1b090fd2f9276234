import type { ConfigIssue } from './errors.js';
import type { Millis } from './model.js';
import { parseDuration } from './duration.js';
import { issueAt, type NodePath, type SourceDocument } from './config-source.js';

/** Collects issues while normalizing; every check adds to it instead of stopping at the first. */
export class IssueList {
  readonly items: ConfigIssue[] = [];

  add(doc: SourceDocument, path: NodePath, message: string, part: 'key' | 'value' = 'value'): void {
    this.items.push(issueAt(doc, path, message, part));
  }
}

/**
 * A written duration -> ms. Undefined when absent or unreadable; an unreadable string is reported here,
 * a value of the wrong type is left to the schema (which reports it once).
 */
export function readDuration(doc: SourceDocument, path: NodePath, value: unknown, issues: IssueList): Millis | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    issues.add(doc, path, `cannot read "${value}" as a duration: expected a number and a unit, e.g. 45s, 30m, 12h, 90d, 2w, 3mo, 1y`);
  }
  return ms;
}
