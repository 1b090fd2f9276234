import { describeExpiry } from '../core/expiry.js';
import { isoTime } from '../core/humanize.js';
import { actionKeyId, hasChanges, summarize } from '../core/plan.js';
import type { KeySpec, Plan, PlannedAction, ProviderPlan } from '../core/plan-types.js';
import type { SourcePosition } from '../core/errors.js';
import { mapAtOnce, prettyJsonChunksWith, type ListItems } from './json-chunks.js';

/** Bumped on any incompatible change to the JSON below; documented in the README. */
export const PLAN_FORMAT_VERSION = '1';

/** The plan as stable, versioned JSON for machines. Contains no secrets (a plan never holds one). */
export function planToJson(plan: Plan): object {
  return planDocument(plan, mapAtOnce);
}

/** `JSON.stringify(planToJson(plan), null, 2)` and a newline, as chunks, for writing a plan of any size without holding its text. */
export function* planJsonChunks(plan: Plan): Generator<string> {
  yield* prettyJsonChunksWith((list) => planDocument(plan, list));
  yield '\n';
}

function planDocument(plan: Plan, list: ListItems): object {
  return {
    format_version: PLAN_FORMAT_VERSION,
    created_at: isoTime(plan.createdAt),
    has_changes: hasChanges(plan),
    summary: summarize(plan),
    providers: plan.providers.map((p) => providerJson(p, list)),
  };
}

function providerJson(p: ProviderPlan, list: ListItems): object {
  return {
    name: p.provider,
    ownership: p.ownership,
    remote_fingerprint: p.remoteFingerprint,
    managed_keys: p.managedCount,
    actions: list(p.actions, actionJson),
    problems: list(p.problems, (problem) => ({ name: problem.name, message: problem.message, source: sourceJson(problem.source ?? problem.desired?.source) })),
    findings: list(p.findings, (f) => ({ kind: f.kind, severity: f.severity, key_id: f.keyId, name: f.name, message: f.message, source: sourceJson(f.desired?.source) })),
    notices: (p.notices ?? []).map((n) => ({ name: n.name ?? null, message: n.message, source: sourceJson(n.source) })),
    dropped_journal_entries: p.droppedJournal.map((d) => ({ name: d.name, reason: d.reason })),
    pending_retirements: list(p.pending, (r) => ({ key_id: r.remote.id, name: r.remote.name, replaced_by: r.replacedBy, retire_at: r.retireAt === null ? null : isoTime(r.retireAt), ...(r.warning ? { warning: r.warning } : {}) })),
  };
}

function actionJson(action: PlannedAction): object {
  const base = {
    action: action.kind,
    name: action.name,
    key_id: actionKeyId(action),
    reasons: action.reasons,
    warnings: action.warnings.map((w) => ({ kind: w.kind, message: w.message, gate: w.gate })),
    source: sourceJson(action.desired?.source),
  };
  switch (action.kind) {
    case 'create':
      return { ...base, spec: specJson(action.spec) };
    case 'update':
      return { ...base, changes: action.changes, role_change: roleChangeJson(action) };
    case 'rotate':
      return { ...base, spec: specJson(action.spec), changes: action.changes, role_change: roleChangeJson(action) };
    case 'revoke':
      return { ...base, last_used_at: action.remote.lastUsedAt === null ? null : isoTime(action.remote.lastUsedAt) };
    case 'finish':
      return { ...base, spec: specJson(action.spec), retire_key_id: action.retire?.keyId ?? null };
  }
}

function specJson(spec: KeySpec): object {
  return { name: spec.name, description: spec.description, roles: spec.roles, expires: describeExpiry(spec.expires), metadata: spec.metadata };
}

function roleChangeJson(action: PlannedAction): object | null {
  if ((action.kind !== 'update' && action.kind !== 'rotate') || !action.roleChange) return null;
  const r = action.roleChange;
  return { roles_added: r.rolesAdded, roles_removed: r.rolesRemoved, permissions_added: r.permissionsAdded, permissions_removed: r.permissionsRemoved, escalation: r.escalation };
}

function sourceJson(source: SourcePosition | undefined): object | null {
  return source ? { file: source.file, line: source.line, column: source.column } : null;
}
