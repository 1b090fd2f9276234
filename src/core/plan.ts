import { expiryRefusal } from './expiry.js';
import { evaluateFindings } from './findings.js';
import { remoteFingerprint } from './fingerprint.js';
import { isoTime, relativeTime } from './humanize.js';
import { changeForMatched, idempotencyKey, specFor, type ChangeContext } from './key-changes.js';
import { indexRemote, matchDesired } from './match.js';
import { refusalOf, type SelfKey } from './plan-refusals.js';
import { DEFAULT_OWNERSHIP, REVOKED_BY_KEY, type Capabilities, type DesiredKey, type ProviderTraits, type DesiredState, type EpochMillis, type Policy, type RemoteKey, type Role } from './model.js';
import { DELIVERY_GRACE_MS, isBeingDelivered, isManaged, managedElsewhere, ownershipOf, retiringInfo } from './ownership.js';
import { releaseAction, retireAction, revokeAction, stillUsedAfterDelivery } from './revoke-actions.js';
import { roleCatalog } from './permissions.js';
import { planUnfinished, type UnfinishedCreate } from './unfinished.js';
import { planNotices } from './plan-notices.js';
import type { CreateAction, PendingRetirement, Plan, PlanNotice, PlanProblem, PlanSummary, PlannedAction, ProviderPlan } from './plan-types.js';

/** What one provider reported: its keys (revoked ones too, where it lists them), capabilities and roles. */
export interface ProviderSnapshot {
  keys: RemoteKey[];
  /** What the key service reports, and (from providers that declare them) the provider's traits. */
  capabilities: Capabilities & Partial<ProviderTraits>;
  roles: Role[];
  /** The key the provider's credential is, where it has one: never revoked or rotated away. */
  self?: SelfKey;
  /**
   * remoteFingerprint(keys), when the caller already computed it (plan does, while the config is still loading);
   * it must be exactly that.
   */
  fingerprint?: string;
}

/**
 * The whole plan: a pure function of the declared state, what each provider reported, `now`, and the
 * creates interrupted applies left unfinished (from the journal).
 */
export function makePlan(
  desired: DesiredState,
  snapshots: Readonly<Record<string, ProviderSnapshot>>,
  now: EpochMillis,
  unfinished: readonly UnfinishedCreate[] = [],
): Plan {
  const providers = Object.keys(snapshots)
    .sort()
    .map((provider) => {
      const snapshot = snapshots[provider] as ProviderSnapshot;
      const entries = unfinished.filter((entry) => entry.provider === provider);
      return planProvider(provider, desired.keys.filter((key) => key.provider === provider), snapshot, desired.policy, now, desired.ownership, entries, desired.release);
    });
  return { createdAt: now, policy: desired.policy, providers };
}

export function planProvider(
  provider: string,
  desiredKeys: readonly DesiredKey[],
  snapshot: ProviderSnapshot,
  policy: Policy,
  now: EpochMillis,
  ownership: string = DEFAULT_OWNERSHIP,
  unfinished: readonly UnfinishedCreate[] = [],
  releasedNames: readonly string[] = [],
): ProviderPlan {
  const catalog = roleCatalog(snapshot.roles);
  const fingerprint = snapshot.fingerprint ?? remoteFingerprint(snapshot.keys);
  const journalled = new Set(unfinished.map((entry) => entry.spec.name));
  const ctx: ChangeContext = { provider, capabilities: snapshot.capabilities, catalog, policy, now, fingerprint, ownership, journalled };
  const { live, revoked } = indexRemote(snapshot.keys);
  const actions: PlannedAction[] = [];
  const problems: PlanProblem[] = [];
  const declared = new Map<string, DesiredKey>();
  const add = (action: PlannedAction) => {
    const refusal = refusalOf(action, snapshot.self);
    if (refusal === undefined) actions.push(action);
    else problems.push({ provider, name: action.name, message: refusal, ...(action.desired ? { desired: action.desired } : {}) });
  };

  const claimed = new Set<string>();
  const deliveringElsewhere: PlanNotice[] = [];
  for (const desired of desiredKeys) {
    const match = matchDesired(desired, live, revoked);
    // A key with a problem still claims its remote keys: an error must never turn into a revoke.
    if (match.kind === 'ambiguous') {
      for (const name of [desired.name, ...desired.renamedFrom]) for (const key of live.get(name) ?? []) claimed.add(key.id);
      problems.push({ provider, name: desired.name, message: match.message, desired });
      continue;
    }
    if (match.kind === 'matched') {
      claimed.add(match.remote.id);
      declared.set(match.remote.id, desired);
      const elsewhere = managedElsewhere(match.remote, ownership);
      if (elsewhere !== undefined && desired.takeOver !== elsewhere) {
        problems.push({ provider, name: desired.name, message: managedElsewhereProblem(match.remote, elsewhere, ownership), desired });
        continue;
      }
    }
    const problem = declaredKeyProblem(desired, snapshot, catalog, now);
    const takeOver = match.kind === 'missing' ? takeOverProblem(desired, match.revoked, ctx) : undefined;
    if (problem) problems.push({ provider, name: desired.name, message: problem.message, desired, source: desired.fields?.[problem.field] ?? desired.source });
    else if (takeOver) problems.push({ provider, name: desired.name, message: takeOver, desired });
    else if (match.kind === 'missing') actions.push(createAction(desired, match.revoked, ctx));
    else {
      if (isBeingDelivered(match.remote, now) && !journalled.has(desired.name)) deliveringElsewhere.push(beingDeliveredNotice(desired, match.remote, now));
      const action = changeForMatched(desired, match.remote, match.renamedFrom, ctx);
      if (action) add(action);
    }
  }

  const liveKeys = snapshot.keys.filter((key) => key.revokedAt === null);
  const pending: PendingRetirement[] = [];
  const released = new Set(releasedNames);
  for (const remote of liveKeys) {
    // Another configuration's keys are never touched: the findings report them (managed-elsewhere).
    if (claimed.has(remote.id) || managedElsewhere(remote, ownership) !== undefined) continue;
    const retiring = retiringInfo(remote);
    if (retiring && (retiring.retireAt === null || retiring.retireAt > now)) pending.push({ provider, remote, replacedBy: retiring.replacedBy, retireAt: retiring.retireAt });
    else if (retiring) {
      const kept = stillUsedAfterDelivery(remote, retiring, ctx);
      if (kept) pending.push({ provider, remote, replacedBy: retiring.replacedBy, retireAt: retiring.retireAt, warning: kept });
      else add(retireAction(remote, retiring, ctx));
    }
    else if (isManaged(remote) && released.has(remote.name)) {
      if (ctx.capabilities.metadata && ctx.capabilities.editableFields.includes('metadata')) actions.push(releaseAction(remote, ctx));
      else problems.push({ provider, name: remote.name, message: `cannot release ${remote.name} (${remote.id}): provider ${provider} keeps no editable metadata to drop this ownership's marks from` });
    }
    else if (isManaged(remote)) add(revokeAction(remote, ['managed by keyplan and no longer declared'], ctx));
    else if (policy.prune) add(revokeAction(remote, ['not declared, and policy.prune is true'], ctx));
  }

  const finished = planUnfinished(unfinished, desiredKeys, live, actions);
  return {
    provider,
    actions: finished.actions,
    droppedJournal: finished.dropped,
    problems,
    findings: evaluateFindings({ provider, keys: liveKeys, declared, catalog, policy, now, ownership }),
    pending,
    managedCount: liveKeys.filter((key) => isManaged(key) && managedElsewhere(key, ownership) === undefined).length,
    ownership,
    remoteFingerprint: fingerprint,
    notices: [...deliveringElsewhere, ...planNotices(provider, desiredKeys, snapshot.capabilities, finished.actions)],
  };
}

function declaredKeyProblem(
  desired: DesiredKey,
  snapshot: ProviderSnapshot,
  catalog: ReadonlyMap<string, Role>,
  now: EpochMillis,
): { message: string; field: 'roles' | 'expires' } | undefined {
  const unknown = desired.roles.filter((role) => !catalog.has(role));
  if (unknown.length > 0) {
    return { field: 'roles', message: `unknown role ${unknown.join(', ')}; the provider offers ${[...catalog.keys()].join(', ') || 'no roles'}` };
  }
  const refused = expiryRefusal(desired.expires, snapshot.capabilities, now);
  return refused === undefined ? undefined : { field: 'expires', message: refused };
}

function managedElsewhereProblem(remote: RemoteKey, elsewhere: string, ownership: string): string {
  return (
    `${remote.name} (${remote.id}) is managed by ownership ${elsewhere}, not ${ownership}: keyplan does not touch it. ` +
    `To adopt it, add \`take_over: ${elsewhere}\` to this key (keyplan import --take-over writes it); otherwise give the key another name`
  );
}

/**
 * `take_over:` adopts a live key from another ownership; with no such key it is an error, never a silent create
 * of a new key (whose secret no consumer has): the old owner revoked it, or it never existed.
 */
function takeOverProblem(desired: DesiredKey, revoked: RemoteKey | undefined, ctx: ChangeContext): string | undefined {
  const from = desired.takeOver;
  if (from === undefined) return undefined;
  // Taken over earlier and revoked since by this ownership: declaring it again makes a new key, as for any key.
  if (revoked && ownershipOf(revoked) === ctx.ownership) return undefined;
  const remedy = `have ownership ${from} list it under release: (it then stays live for this configuration to take over, in either order), or remove take_over: to create a new key with a new secret`;
  if (revoked) {
    const by = revoked.metadata[REVOKED_BY_KEY] ?? ownershipOf(revoked);
    const who = by === undefined ? 'outside keyplan' : `by ownership ${by}`;
    return `take_over: ${from} names ${desired.name}, but ${desired.name} (${revoked.id}) was revoked ${who} ${relativeTime(revoked.revokedAt ?? ctx.now, ctx.now)}: there is no live key to take over. To hand a key over, ${remedy}`;
  }
  return `take_over: ${from} names ${desired.name}, but no key named ${desired.name} exists at provider ${ctx.provider}: there is nothing to take over from ownership ${from}. To hand a key over, ${remedy}`;
}

function createAction(desired: DesiredKey, revoked: RemoteKey | undefined, ctx: ChangeContext): CreateAction {
  const spec = specFor(desired, {}, ctx.ownership);
  const reason = revoked ? revokedReason(revoked, ctx.now) : 'declared, and no live key has this name (never created, or deleted outside keyplan)';
  const key = idempotencyKey(ctx.provider, spec, revoked?.id ?? null, ctx.fingerprint);
  return { kind: 'create', provider: ctx.provider, name: desired.name, desired, spec, reasons: [reason], warnings: [], idempotencyKey: key };
}

/** Why a declared key whose last key was revoked gets a new one: who revoked it, and when. */
function revokedReason(revoked: RemoteKey, now: EpochMillis): string {
  const when = relativeTime(revoked.revokedAt ?? now, now);
  const byKeyplan = revoked.metadata[REVOKED_BY_KEY] !== undefined || retiringInfo(revoked) !== undefined;
  return `${revoked.id} named ${revoked.name} was revoked ${byKeyplan ? `by keyplan ${when}` : `${when} outside keyplan`}; a revoked key's secret never comes back: a new key with a new secret replaces it`;
}

export function summarize(plan: Plan): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, rotate: 0, revoke: 0, finish: 0 };
  for (const provider of plan.providers) for (const action of provider.actions) summary[action.kind] += 1;
  return summary;
}

/** The remote key an action works on: none for a create, the key a finish delivers (if made yet), else the key changed. */
export function actionKeyId(action: PlannedAction): string | null {
  if (action.kind === 'create') return null;
  if (action.kind === 'finish') return action.keyId;
  return action.remote.id;
}

export function hasChanges(plan: Plan): boolean {
  return plan.providers.some((p) => p.actions.length > 0);
}

/** A key whose create another apply (another checkout) has not confirmed delivered yet: left to that apply. */
function beingDeliveredNotice(desired: DesiredKey, remote: RemoteKey, now: number): PlanNotice {
  const after = isoTime(remote.createdAt + DELIVERY_GRACE_MS);
  return {
    name: desired.name,
    source: desired.source,
    message:
      `${desired.name} (${remote.id}) was created ${relativeTime(remote.createdAt, now)} by another apply, which has not confirmed its delivery yet: ` +
      `its secret goes to that run's sinks, not this one's. If that apply fails to deliver it, a plan says so (after ${after} at the latest) and rotates it`,
  };
}
