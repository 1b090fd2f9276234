import { preventRevokeWarning, revokeWarnings, ungated } from './dependency.js';
import { isExpired } from './expiry.js';
import { exactDuration, isoDate, relativeTime } from './humanize.js';
import type { ChangeContext } from './key-changes.js';
import type { RemoteKey } from './model.js';
import { recordedConsumers, recordedPreventRevoke, releasedMetadata, revokedMetadata, type retiringInfo } from './ownership.js';
import type { RevokeAction, UpdateAction } from './plan-types.js';

type Retiring = NonNullable<ReturnType<typeof retiringInfo>>;

export function revokeAction(remote: RemoteKey, reasons: string[], ctx: ChangeContext, consumers = recordedConsumers(remote)): RevokeAction {
  const warnings = revokeWarnings(remote, consumers, ctx.policy, ctx.now, ctx.capabilities.lastUseResolutionMs);
  // Like a rotation, revoking an expired key takes nothing away: prevent_revoke does not stand in its way.
  if (recordedPreventRevoke(remote) && !isExpired(remote, ctx.now)) warnings.push(preventRevokeWarning(remote));
  const action: RevokeAction = { kind: 'revoke', provider: ctx.provider, name: remote.name, remote, reasons, warnings };
  if (ctx.capabilities.metadata && ctx.capabilities.editableFields.includes('metadata')) action.mark = revokedMetadata(remote, ctx.ownership);
  return action;
}

/**
 * Why an old key whose overlap ended is kept: it was used after its replacement's secret was delivered (or may
 * have been: the provider records last use only so often), and recently, so its consumers have not switched.
 * It is retired once unused for in_use_window, or expires on its own. undefined: nothing speaks against it.
 */
export function stillUsedAfterDelivery(remote: RemoteKey, retiring: Retiring, ctx: ChangeContext): string | undefined {
  if (retiring.deliveredAt === undefined || remote.lastUsedAt === null) return undefined;
  const resolution = ctx.capabilities.lastUseResolutionMs ?? 0;
  const usedAfter = remote.lastUsedAt + resolution > retiring.deliveredAt;
  const recent = ctx.now - remote.lastUsedAt <= ctx.policy.inUseWindowMs + resolution;
  if (!usedAfter || !recent) return undefined;
  const expires = remote.expiresAt === null ? '' : ` or it expires ${relativeTime(remote.expiresAt, ctx.now)}`;
  return (
    `kept past its overlap: last used ${relativeTime(remote.lastUsedAt, ctx.now)}, after the secret of ${retiring.replacedBy} was delivered — ` +
    `its consumers have not all switched. It is retired once unused for in_use_window (${exactDuration(ctx.policy.inUseWindowMs)})${expires}`
  );
}

/** The second half of a rotation, after the overlap: nobody used the old key since its replacement was delivered. */
export function retireAction(remote: RemoteKey, retiring: Retiring, ctx: ChangeContext): RevokeAction {
  const reason = `its replacement ${retiring.replacedBy} was rotated in and the overlap ended ${isoDate(retiring.retireAt ?? ctx.now)}`;
  const action = revokeAction(remote, [reason], ctx, []);
  // Known unused since the delivery: earlier use took place before its consumers had the new secret.
  if (retiring.deliveredAt !== undefined) action.warnings = ungated(action.warnings, 'not since its replacement was delivered');
  return action;
}

/** `release:` — this ownership lets go of a key it manages without revoking it: its marks go, the key stays live. */
export function releaseAction(remote: RemoteKey, ctx: ChangeContext): UpdateAction {
  const after = releasedMetadata(remote, ctx.ownership);
  return {
    kind: 'update',
    provider: ctx.provider,
    name: remote.name,
    remote,
    changes: [{ field: 'metadata', before: remote.metadata, after }],
    patch: { metadata: after },
    reasons: [
      `released (release:): ownership ${ctx.ownership} lets go of it without revoking it; it stays live, and a configuration with \`take_over: ${ctx.ownership}\` can adopt it`,
    ],
    warnings: [],
  };
}
