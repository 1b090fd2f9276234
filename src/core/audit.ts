import { parseDate, parseDuration } from './duration.js';
import { keyJudge } from './findings.js';
import { indexRemote, matchDesired } from './match.js';
import { DEFAULT_OWNERSHIP, type DesiredKey, type EpochMillis, type Policy, type RemoteKey, type Role } from './model.js';
import { roleCatalog } from './permissions.js';
import type { Finding, FindingKind, Severity } from './plan-types.js';

/** One live key and what the audit found about it. */
export interface AuditedKey {
  provider: string;
  remote: RemoteKey;
  /** The declared key it stands for, when keys.yaml declares it. */
  desired?: DesiredKey;
  /** Errors first, then in FINDING_ORDER. */
  findings: Finding[];
}

export interface AuditReport {
  /** The moment the keys were judged at (`--as-of`, else now). */
  asOf: EpochMillis;
  policy: Policy;
  /** The root config file as messages name it; where findings on undeclared keys point. */
  rootFile: string;
  providers: string[];
  /** Keys with errors first, then warnings, then clean keys; see sortAuditedKeys. */
  keys: AuditedKey[];
}

/** What the audit reads from one provider. Revoked keys may be included; they are not audited. */
export interface AuditSnapshot {
  keys: readonly RemoteKey[];
  roles: readonly Role[];
}

export interface AuditInput {
  desiredKeys: readonly DesiredKey[];
  policy: Policy;
  rootFile: string;
  snapshots: Readonly<Record<string, AuditSnapshot>>;
  asOf: EpochMillis;
  /** The configuration's `ownership:` (default DEFAULT_OWNERSHIP). */
  ownership?: string;
}

/** The order kinds are listed in within one severity: the most urgent first. */
export const FINDING_ORDER: readonly FindingKind[] = [
  'expired',
  'privileged-stale',
  'no-expiry',
  'expiring',
  'stale',
  'never-used',
  'rotation-due',
  'unmanaged',
  'managed-elsewhere',
];

/** Audits every live key of every provider, declared or not, as of `asOf`. */
export function auditKeys(input: AuditInput): AuditReport {
  const providers = Object.keys(input.snapshots).sort();
  const keys: AuditedKey[] = [];
  for (const provider of providers) {
    const snapshot = input.snapshots[provider] as AuditSnapshot;
    const desiredKeys = input.desiredKeys.filter((key) => key.provider === provider);
    for (const audited of auditProvider(provider, desiredKeys, snapshot, input.policy, input.asOf, input.ownership ?? DEFAULT_OWNERSHIP)) keys.push(audited);
  }
  return { asOf: input.asOf, policy: input.policy, rootFile: input.rootFile, providers, keys: sortAuditedKeys(keys) };
}

function auditProvider(
  provider: string,
  desiredKeys: readonly DesiredKey[],
  snapshot: AuditSnapshot,
  policy: Policy,
  now: EpochMillis,
  ownership: string,
): AuditedKey[] {
  const declared = declaredByRemoteId(desiredKeys, snapshot.keys);
  const judge = keyJudge({ provider, declared, catalog: roleCatalog(snapshot.roles), policy, now, ownership });
  const audited: AuditedKey[] = [];
  for (const remote of snapshot.keys) {
    if (remote.revokedAt !== null) continue;
    const desired = declared.get(remote.id);
    const findings = judge(remote);
    if (findings.length === 2) {
      // Most keys with findings have two: a swap when they are out of order is what the (stable) sort would do.
      if (compareFindings(findings[0] as Finding, findings[1] as Finding) > 0) findings.reverse();
    } else if (findings.length > 2) findings.sort(compareFindings);
    audited.push(desired ? { provider, remote, desired, findings } : { provider, remote, findings });
  }
  return audited;
}

/**
 * The declared key for each live remote key, matched as the plan matches them: by name, else a `renamed_from`
 * name. A name shared by two live keys matches neither (the plan reports that as a problem).
 */
export function declaredByRemoteId(desiredKeys: readonly DesiredKey[], remoteKeys: readonly RemoteKey[]): Map<string, DesiredKey> {
  // Matching looks up only the declared names, so only keys under those names need indexing.
  const wanted = new Set(desiredKeys.flatMap((desired) => [desired.name, ...desired.renamedFrom]));
  const { live, revoked } = indexRemote(remoteKeys.filter((remote) => wanted.has(remote.name)));
  const declared = new Map<string, DesiredKey>();
  for (const desired of desiredKeys) {
    const match = matchDesired(desired, live, revoked);
    if (match.kind === 'matched') declared.set(match.remote.id, desired);
  }
  return declared;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1 };
const KIND_RANK = new Map(FINDING_ORDER.map((kind, rank) => [kind, rank]));

export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || (KIND_RANK.get(a.kind) ?? -1) - (KIND_RANK.get(b.kind) ?? -1);
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** The most severe finding of a key; undefined when it has none. */
export function worstSeverity(findings: readonly Finding[]): Severity | undefined {
  if (findings.some((f) => f.severity === 'error')) return 'error';
  return findings.length > 0 ? 'warning' : undefined;
}

function keyRank(key: AuditedKey): number {
  const worst = worstSeverity(key.findings);
  return worst === undefined ? 2 : SEVERITY_RANK[worst];
}

/** Errors first, then warnings, then clean keys; within each, more findings first, then provider, name and id. */
export function sortAuditedKeys(keys: readonly AuditedKey[]): AuditedKey[] {
  // Grouped by rank first (in order, so the stable sort keeps equal keys in input order as one sort would):
  // each key's rank is found once, and the sort compares no rank.
  const groups: AuditedKey[][] = [[], [], []];
  for (const key of keys) (groups[keyRank(key)] as AuditedKey[]).push(key);
  const byDetail = (a: AuditedKey, b: AuditedKey) =>
    b.findings.length - a.findings.length ||
    compareText(a.provider, b.provider) ||
    compareText(a.remote.name, b.remote.name) ||
    compareText(a.remote.id, b.remote.id);
  return groups.flatMap((group) => group.sort(byDetail));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function allFindings(report: AuditReport): Finding[] {
  return report.keys.flatMap((key) => key.findings);
}

export interface FindingCounts {
  keys: number;
  errors: number;
  warnings: number;
  byKind: Partial<Record<FindingKind, number>>;
}

export function countFindings(report: AuditReport): FindingCounts {
  const counts: FindingCounts = { keys: report.keys.length, errors: 0, warnings: 0, byKind: {} };
  for (const key of report.keys) {
    for (const finding of key.findings) {
      if (finding.severity === 'error') counts.errors += 1;
      else counts.warnings += 1;
      counts.byKind[finding.kind] = (counts.byKind[finding.kind] ?? 0) + 1;
    }
  }
  return counts;
}

/** `--fail-on warning` counts warnings and errors; `--fail-on error` only errors. */
export function reachesThreshold(severity: Severity, failOn: Severity): boolean {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[failOn];
}

/** Whether the audit should fail (exit 2): a finding at or above `failOn`. */
export function failsAudit(report: AuditReport, failOn: Severity): boolean {
  return report.keys.some((key) => key.findings.some((finding) => reachesThreshold(finding.severity, failOn)));
}

export type AsOfParse = { ok: true; at: EpochMillis } | { ok: false; message: string };

/**
 * `--as-of`: an ISO date (the end of that day UTC, as expiry dates), a date-time, or an offset from now
 * such as `+30d` or `-2w`.
 */
export function parseAsOf(text: string, now: EpochMillis): AsOfParse {
  const offset = /^([+-])(.+)$/.exec(text.trim());
  if (offset) {
    const ms = parseDuration(offset[2] as string);
    if (ms !== undefined) return { ok: true, at: offset[1] === '+' ? now + ms : now - ms };
  }
  const at = parseDate(text.trim());
  if (at !== undefined) return { ok: true, at };
  return {
    ok: false,
    message: `--as-of "${text}": expected a date (2027-06-30), a date-time (2027-06-30T12:00:00Z) or an offset from now (+30d, -2w, +12h)`,
  };
}
