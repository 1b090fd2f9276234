import { countFindings, type AuditReport, type AuditedKey } from '../core/audit.js';
import { formatDuration } from '../core/duration.js';
import { isoTime } from '../core/humanize.js';
import { isManaged } from '../core/ownership.js';
import { ownerOf } from './audit-cells.js';
import { prettyJsonChunks } from './audit-json-chunks.js';

/** Bumped on any incompatible change to the JSON below. */
export const AUDIT_FORMAT_VERSION = '1';

/** The audit as stable, versioned JSON for machines. Keys hold no secrets; only their non-secret prefix. */
export function auditToJson(report: AuditReport): object {
  return auditDocument(report, report.keys.map(keyJson));
}

/** `JSON.stringify(auditToJson(report), null, 2)` and a newline, in chunks to write one after another. */
export function* auditJsonChunks(report: AuditReport): Generator<string> {
  yield* prettyJsonChunks((keys) => auditDocument(report, keys), report.keys, keyJson);
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

function keyJson(key: AuditedKey): object {
  const { remote, desired } = key;
  const time = (at: number | null) => (at === null ? null : isoTime(at));
  return {
    provider: key.provider,
    id: remote.id,
    name: remote.name,
    description: remote.description,
    roles: remote.roles,
    prefix: remote.prefix,
    created_at: isoTime(remote.createdAt),
    last_used_at: time(remote.lastUsedAt),
    expires_at: time(remote.expiresAt),
    owner: ownerOf(key) ?? null,
    declared: desired !== undefined,
    managed: isManaged(remote),
    source: desired ? { file: desired.source.file, line: desired.source.line, column: desired.source.column } : null,
    findings: key.findings.map((f) => ({ kind: f.kind, severity: f.severity, message: f.message })),
  };
}
