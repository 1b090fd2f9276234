import { plural } from './humanize.js';
import { actionKeyId } from './plan.js';
import type { Plan, PlannedAction } from './plan-types.js';

export interface GateOverrides {
  allowInUse: boolean;
  force: boolean;
}

export type GateName = 'prevent-revoke' | 'allow-in-use' | 'threshold';

export interface GateRefusal {
  gate: GateName;
  message: string;
  /** The key the refusal is about; absent for the threshold, which is about the whole plan. */
  keyName?: string;
}

/**
 * The gates `apply` checks before it changes anything. prevent_revoke cannot be overridden; keys in use
 * need --allow-in-use; too large a share of revokes and rotations needs --force.
 */
export function checkGates(plan: Plan, overrides: GateOverrides): GateRefusal[] {
  const refusals: GateRefusal[] = [];
  for (const providerPlan of plan.providers) {
    for (const action of providerPlan.actions) {
      for (const warning of action.warnings) {
        if (warning.gate === 'prevent-revoke') {
          refusals.push({ gate: 'prevent-revoke', keyName: action.name, message: `${actionLabel(action)}: ${warning.message} (no flag overrides prevent_revoke)` });
        } else if (warning.gate === 'allow-in-use' && !overrides.allowInUse) {
          refusals.push({ gate: 'allow-in-use', keyName: action.name, message: `${actionLabel(action)}: ${warning.message}; pass --allow-in-use to revoke it anyway` });
        }
      }
    }
    const threshold = thresholdRefusal(providerPlan.provider, providerPlan.actions, providerPlan.managedCount, plan);
    if (threshold && !overrides.force) refusals.push({ gate: 'threshold', message: threshold });
  }
  return refusals;
}

function thresholdRefusal(provider: string, actions: readonly PlannedAction[], managedCount: number, plan: Plan): string | undefined {
  const { maxChangeFraction, minKeysForThreshold } = plan.policy;
  if (managedCount < minKeysForThreshold) return undefined;
  const disruptive = actions.filter((a) => a.kind === 'revoke' || a.kind === 'rotate').length;
  if (disruptive <= maxChangeFraction * managedCount) return undefined;
  const share = Math.round((disruptive / managedCount) * 100);
  return (
    `${provider}: ${plural(disruptive, 'revoke or rotation')} would touch ${share}% of ${plural(managedCount, 'managed key')}, ` +
    `above max_change_fraction ${maxChangeFraction}; pass --force to apply anyway`
  );
}

export function actionLabel(action: PlannedAction): string {
  const keyId = actionKeyId(action);
  const id = keyId === null ? '' : ` (${keyId})`;
  return `${action.kind} ${action.provider}/${action.name}${id}`;
}
