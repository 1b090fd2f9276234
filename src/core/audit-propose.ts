import type { AuditReport } from './audit.js';
import { formatDuration, parseDuration } from './duration.js';
import type { DesiredKey, Millis, RemoteKey } from './model.js';
import { recordedPreventRevoke } from './ownership.js';
import type { FindingKind } from './plan-types.js';

/** Findings that make `--propose` remove a declared key: nobody uses it. */
const IDLE_KINDS: readonly FindingKind[] = ['stale', 'never-used', 'privileged-stale'];

/** The lifetime proposed when policy requires an expiry and sets no max_lifetime. */
export const DEFAULT_PROPOSED_EXPIRY = '90d';

export interface ProposedRemoval {
  desired: DesiredKey;
  remote: RemoteKey;
  /** Why: the idle findings' messages. */
  reason: string;
}

export interface KeptKey {
  desired: DesiredKey;
  reason: string;
}

/**
 * The declared keys `--propose` would remove: stale or never used. A key with prevent_revoke, declared or
 * recorded on the remote key, is never touched.
 */
export function proposeRemovals(report: AuditReport): { remove: ProposedRemoval[]; kept: KeptKey[] } {
  const remove: ProposedRemoval[] = [];
  const kept: KeptKey[] = [];
  for (const key of report.keys) {
    if (!key.desired) continue;
    const idle = key.findings.filter((finding) => IDLE_KINDS.includes(finding.kind));
    if (idle.length === 0) continue;
    if (key.desired.preventRevoke || recordedPreventRevoke(key.remote)) {
      kept.push({ desired: key.desired, reason: `${idle.map((f) => f.kind).join(', ')}, but prevent_revoke is set` });
      continue;
    }
    remove.push({ desired: key.desired, remote: key.remote, reason: idle.map((f) => `${f.kind}: ${f.message}`).join('; ') });
  }
  return { remove, kept };
}

/** The parts of policy that decide whether a written key needs an `expires:`. */
export interface ExpiryRules {
  requireExpiryFor: string[];
  /** null: no maximum. */
  maxLifetimeMs: Millis | null;
}

/** Reads the expiry rules from the root file's raw `policy:` section (it may not validate yet). */
export function expiryRulesFromRaw(policy: unknown): ExpiryRules {
  const section = typeof policy === 'object' && policy !== null ? (policy as Record<string, unknown>) : {};
  const roles = Array.isArray(section.require_expiry_for) ? section.require_expiry_for.filter((r): r is string => typeof r === 'string') : [];
  const max = typeof section.max_lifetime === 'string' ? parseDuration(section.max_lifetime) : undefined;
  return { requireExpiryFor: roles, maxLifetimeMs: max ?? null };
}

export type ExpiryProposal = { action: 'set'; expires: string; reason: string } | { action: 'keep'; reason: string } | undefined;

/**
 * What `expires:` a written key entry needs: when it holds a `require_expiry_for` role, or policy sets
 * max_lifetime, and it has no `expires:` (or `expires: never`), policy's max_lifetime, else 90d.
 * A key with prevent_revoke is left alone (a new expiry means rotating it) and reported.
 */
export function proposeExpiry(entry: unknown, rules: ExpiryRules): ExpiryProposal {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { roles, expires, prevent_revoke: preventRevoke } = entry as Record<string, unknown>;
  if (expires !== undefined && expires !== null && expires !== 'never') return undefined;
  const required = Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string' && rules.requireExpiryFor.includes(role)) : [];
  if (required.length === 0 && rules.maxLifetimeMs === null) return undefined;
  const why =
    required.length > 0
      ? `policy.require_expiry_for: ${required.join(', ')} must expire`
      : `policy.max_lifetime (${formatDuration(rules.maxLifetimeMs as number)}) requires an expiry`;
  if (preventRevoke === true) return { action: 'keep', reason: `${why}, but prevent_revoke is set` };
  const value = rules.maxLifetimeMs === null ? DEFAULT_PROPOSED_EXPIRY : formatDuration(rules.maxLifetimeMs);
  return { action: 'set', expires: value, reason: why };
}
