import { exactDuration, relativeTime } from './humanize.js';
import type { EpochMillis, Policy, RemoteKey } from './model.js';
import type { PlanWarning } from './plan-types.js';

/**
 * What a reviewer must know before `remote` is revoked: recent use and declared consumers gate the
 * apply (`--allow-in-use`); a key never used is safe to revoke, and says so.
 */
export function revokeWarnings(remote: RemoteKey, consumers: readonly string[], policy: Policy, now: EpochMillis, lastUseResolutionMs = 0): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  if (remote.lastUseUnknown !== undefined) {
    // Nothing to gate on: only the declared consumers (below) can say the key is still needed.
    const rely = consumers.length > 0 ? 'the gate relies on its declared consumers' : 'it declares no consumers, so nothing gates the revoke: declare them in keys.yaml';
    warnings.push({ kind: 'last-use-unknown', message: `${remote.name} (${remote.id}): last use unknown (${remote.lastUseUnknown}), so keyplan cannot tell whether it is in use; ${rely}`, gate: null });
  } else if (remote.lastUsedAt === null) {
    warnings.push({ kind: 'never-used', message: `${remote.name} (${remote.id}) was never used`, gate: null });
  } else if (now - remote.lastUsedAt <= policy.inUseWindowMs + lastUseResolutionMs) {
    // The service records last use only every `lastUseResolutionMs`: the real last use may be that much later.
    const within = now - remote.lastUsedAt <= policy.inUseWindowMs
      ? `within in_use_window (${exactDuration(policy.inUseWindowMs)})`
      : `just outside in_use_window (${exactDuration(policy.inUseWindowMs)}), but the provider records last use only every ${exactDuration(lastUseResolutionMs)}`;
    warnings.push({
      kind: 'in-use',
      message: `${remote.name} (${remote.id}) was last used ${relativeTime(remote.lastUsedAt, now)}, ${within}`,
      gate: 'allow-in-use',
    });
  }
  if (consumers.length > 0) {
    warnings.push({
      kind: 'consumers',
      message: `${remote.name} (${remote.id}) has declared consumers: ${consumers.join(', ')}`,
      gate: 'allow-in-use',
    });
  }
  return warnings;
}

export function preventRevokeWarning(remote: RemoteKey): PlanWarning {
  return {
    kind: 'prevent-revoke',
    message: `${remote.name} (${remote.id}) has prevent_revoke: set prevent_revoke: false and apply before it can be revoked`,
    gate: 'prevent-revoke',
  };
}

/**
 * The same warnings, informing instead of gating: for a rotation with an overlap (creating and delivering the
 * new key takes nothing away) and for retiring an old key nobody used after its replacement was delivered.
 */
export function ungated(warnings: PlanWarning[], why: string): PlanWarning[] {
  return warnings.map((w) => (w.gate === 'allow-in-use' ? { ...w, message: `${w.message}; ${why}`, gate: null } : w));
}
