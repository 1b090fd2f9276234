import { revokeWarnings, ungated } from './dependency.js';
import type { EpochMillis, Policy, RemoteKey } from './model.js';
import { recordedConsumers } from './ownership.js';
import type { Plan, PlannedAction, PlanWarning, RevokeAction, RotateAction } from './plan-types.js';

const USE_WARNINGS = new Set<PlanWarning['kind']>(['in-use', 'never-used', 'last-use-unknown', 'consumers']);

/**
 * A saved plan's dependency warnings, judged again on the keys' latest use: the fingerprint leaves last
 * use out, so a key used since the plan was made must still meet the in-use gate.
 */
export function refreshDependencyWarnings(plan: Plan, latest: ReadonlyMap<string, RemoteKey>, policy: Policy, now: EpochMillis): Plan {
  const refresh = (action: PlannedAction): PlannedAction => {
    if (action.kind !== 'revoke' && action.kind !== 'rotate') return action;
    const fresh = latest.get(action.remote.id);
    if (!fresh) return action;
    const consumers = action.warnings.find((w) => w.kind === 'consumers') ? consumersOf(action) : [];
    const kept = action.warnings.filter((w) => !USE_WARNINGS.has(w.kind));
    const fresher = revokeWarnings({ ...action.remote, lastUsedAt: fresh.lastUsedAt }, consumers, policy, now);
    // A use warning the plan made informational (an overlap rotation, a retirement nobody objects to) stays so.
    const informational = action.warnings.some((w) => USE_WARNINGS.has(w.kind) && w.kind !== 'never-used' && w.gate === null);
    return { ...action, warnings: [...(informational ? ungated(fresher, 'judged afresh') : fresher), ...kept] };
  };
  return { ...plan, providers: plan.providers.map((p) => ({ ...p, actions: p.actions.map(refresh) })) };
}

function consumersOf(action: RotateAction | RevokeAction): string[] {
  return action.desired ? action.desired.consumers : recordedConsumers(action.remote);
}
