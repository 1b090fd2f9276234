import { countByKind, type DiffReport } from '../core/declared-diff-types.js';

/** The version of `keyplan diff --format json`; a reader refuses any other. */
export const DIFF_JSON_VERSION = 1;

/** `keyplan diff --format json`: the report as data, positions as file/line/column. */
export function diffJson(report: DiffReport): object {
  const side = (s: DiffReport['head']) => ({ status: s.status, issues: s.issues.map(({ file, line, column, message }) => ({ file, line, column, message })) });
  return {
    version: DIFF_JSON_VERSION,
    config: report.config,
    ownership: report.ownership ?? null,
    base: { ref: report.base.ref, commit: report.base.commit, ...side(report.base) },
    head: side(report.head),
    summary: { ...countByKind(report.diff), sensitive: report.diff.sensitive.length },
    sensitive: report.diff.sensitive,
    changes: report.diff.changes.map((change) => ({ ...change, at: change.at ? { file: change.at.file, line: change.at.line, column: change.at.column } : undefined })),
  };
}

export function renderDiffJson(report: DiffReport): string {
  return `${JSON.stringify(diffJson(report), null, 2)}\n`;
}
