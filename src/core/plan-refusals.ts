import type { PlannedAction } from './plan-types.js';
import { actionLabel } from './safety.js';

/** The key a provider's credential is (GET /v1/whoami), and where keyplan read that credential. */
export interface SelfKey {
  keyId: string;
  name: string;
  /** "the token in KEYPLAN_TOKEN". */
  source: string;
}

/**
 * Why an action may not be planned at all, whatever flag apply is given: it would revoke the key keyplan
 * authenticates with, or a key marked prevent_revoke. Such an action is a plan problem instead, so plan
 * reports first what apply would refuse.
 */
export function refusalOf(action: PlannedAction, self: SelfKey | undefined): string | undefined {
  if (action.kind !== 'revoke' && action.kind !== 'rotate') return undefined;
  const { remote } = action;
  if (self && remote.id === self.keyId) {
    const [what, fix] =
      action.kind === 'revoke'
        ? ['revoking it', 'declare it in keys.yaml (keyplan import writes it), or run keyplan with another key']
        : ['rotating it (the old key is revoked)', 'rotate it by hand and update the token, or run keyplan with another key'];
    return `${remote.name} (${remote.id}) is the key keyplan authenticates with (${self.source}): ${what} would lock keyplan out, and no flag overrides this; ${fix}`;
  }
  const prevent = action.warnings.find((warning) => warning.gate === 'prevent-revoke');
  return prevent ? `${actionLabel(action)}: ${prevent.message} (no flag overrides prevent_revoke)` : undefined;
}
