import { countFindings, type AuditReport } from '../core/audit.js';
import { formatDuration } from '../core/duration.js';
import { isoTime } from '../core/humanize.js';
import { prettyTextChunksWith } from './json-chunks.js';
import { keyJson, keyJsonWriter } from './audit-json-key.js';

/** Bumped on any incompatible change to the JSON below. */
export const AUDIT_FORMAT_VERSION = '1';

/** The audit as stable, versioned JSON for machines. Keys hold no secrets; only their non-secret prefix. */
export function auditToJson(report: AuditReport): object {
  return auditDocument(report, report.keys.map(keyJson));
}

/** `JSON.stringify(auditToJson(report), null, 2)` and a newline, in chunks to write one after another. */
export function* auditJsonChunks(report: AuditReport): Generator<string> {
  yield* prettyTextChunksWith((keys) => auditDocument(report, keys), report.keys, keyJsonWriter);
  yield '\n';
}

function auditDocument(report: AuditReport, keys: unknown): object {
  const counts = countFindings(report);
  const p = report.policy;
  return {
    format_version: AUDIT_FORMAT_VERSION,
    as_of: isoTime(report.asOf),
    summary: { keys: counts.keys, errors: counts.errors, warnings: counts.warnings, by_kind: counts.byKind },
    policy: {
      stale_after: formatDuration(p.staleAfterMs),
      unused_grace: formatDuration(p.unusedGraceMs),
      expiry_warning: formatDuration(p.expiryWarningMs),
      max_lifetime: p.maxLifetimeMs === null ? null : formatDuration(p.maxLifetimeMs),
      require_expiry_for: p.requireExpiryFor,
    },
    keys,
  };
}
