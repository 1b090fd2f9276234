import { isRefusal, nameHeldBy } from '../core/errors.js';
import type { DeliverTarget, RemoteKey } from '../core/model.js';
import { retiringMetadata, withDeliveryMark, withFailedDeliveryMark, withoutDeliveryMark } from '../core/ownership.js';
import type { CreateAction, FinishAction, KeySpec, Plan, PlannedAction, RevokeAction, RotateAction, UpdateAction } from '../core/plan-types.js';
import { displayPath } from '../io/display-path.js';
import type { CreatedKey, Provider } from '../providers/index.js';
import type { ActionOutcome } from '../core/apply-outcome.js';
import type { SecretDelivery } from './deliver.js';
import type { Journal, PendingDelivery } from './journal.js';
import { requireLive } from './live-secret.js';
import { revokePlanned } from './revoke.js';
import { runLimited } from './run-limited.js';
import { appendAll } from '../core/append.js';

export interface ApplyContext {
  providers: ReadonlyMap<string, Provider>;
  journal: Journal;
  delivery: SecretDelivery;
  parallelism: number;
  /** This run's --secrets-out: every new secret also goes there. Never remembered for a later run. */
  secretsOut?: string;
  /** The run's one clock reading. */
  now: number;
  /** Called as each action settles, for progress output (not for actions an interruption kept from starting). */
  onOutcome?: (outcome: ActionOutcome) => void;
  /** Once aborted (Ctrl-C, SIGTERM), no new action starts; running ones finish and are recorded. */
  signal?: AbortSignal;
  /**
   * Providers whose keys carry a pending-delivery mark from their create until every sink confirmed the
   * secret (those with editable metadata): the mark outlives this runner's disk.
   */
  marksDelivery?: ReadonlySet<string>;
}

/**
 * Carries out a plan in the safe order: first what interrupted applies left unfinished, then creates and
 * updates, then rotations (create, deliver, and only then retire the old key), revokes last — and no revokes
 * at all once anything before them failed. An interruption lets running actions finish and starts no more.
 */
export async function applyPlan(plan: Plan, ctx: ApplyContext): Promise<ActionOutcome[]> {
  const actions = plan.providers.flatMap((p) => p.actions);
  const phase = <A extends PlannedAction>(kinds: A['kind'][]) => actions.filter((a): a is A => kinds.includes(a.kind));
  const outcomes: ActionOutcome[] = [];
  // Keys whose unfinished create could not be finished: nothing else is done to them in this run.
  const unfinished = new Set<string>();
  const held = (action: PlannedAction): ActionOutcome | undefined => {
    if (ctx.signal?.aborted) {
      // Recorded but never sent: nothing for a later apply to finish (a finish stays recorded).
      if (action.kind === 'create' || action.kind === 'rotate') ctx.journal.complete(action.idempotencyKey);
      return notStarted(action);
    }
    if (unfinished.has(keyOf(action))) return report(ctx, { ...base(action), status: 'skipped', delivered: [], message: 'not attempted: finishing the interrupted create of this key failed' });
    return undefined;
  };
  const run = async <A extends PlannedAction>(items: A[], work: (action: A) => Promise<ActionOutcome>) => {
    const settled = await runLimited(items, ctx.parallelism, async (action) => held(action) ?? report(ctx, await settle(action, () => work(action))));
    appendAll(outcomes, settled);
  };

  for (const dropped of plan.providers.flatMap((p) => p.droppedJournal)) ctx.journal.complete(dropped.journalKey);
  await run(phase<FinishAction>(['finish']), (a) => finish(a, ctx));
  for (const o of outcomes) if (o.status === 'failed') unfinished.add(keyOf(o));

  const first = phase<CreateAction | UpdateAction>(['create', 'update']);
  // One journal write for the whole phase rather than one per create: a resumed apply replays any of them.
  if (!ctx.signal?.aborted) await ctx.journal.recordAll(first.flatMap((a) => (a.kind === 'create' ? [pendingFor(a, a.spec, ctx)] : [])));
  const started = await runLimited(first, ctx.parallelism, async (action): Promise<Started> => {
    const stop = held(action);
    if (stop) return { done: Promise.resolve(stop) };
    return action.kind === 'create' ? startCreate(action, ctx) : finishNow(action, () => update(action, ctx), ctx);
  });
  appendAll(outcomes, await Promise.all(started.map((s) => s.done)));

  const rotations = phase<RotateAction>(['rotate']).filter((a) => !unfinished.has(keyOf(a)));
  if (!ctx.signal?.aborted) await ctx.journal.recordAll(rotations.map((a) => rotationEntry(a, ctx)));
  await run(rotations, (a) => rotate(a, ctx).catch((error: unknown) => {
    if (isRefusal(error)) ctx.journal.complete(a.idempotencyKey);
    throw error;
  }));
  for (const action of phase<RotateAction>(['rotate']).filter((a) => unfinished.has(keyOf(a)))) outcomes.push(held(action) as ActionOutcome);

  const revokes = phase<RevokeAction>(['revoke']);
  if (outcomes.some((o) => o.status === 'failed') && !ctx.signal?.aborted) {
    for (const action of revokes) {
      outcomes.push(report(ctx, { ...base(action), status: 'skipped', keyId: action.remote.id, delivered: [], message: 'not revoked because an earlier action failed' }));
    }
  } else {
    await run(revokes, (a) => revoke(a, ctx));
  }
  await ctx.journal.settled();
  return outcomes;
}

interface Started {
  done: Promise<ActionOutcome>;
}

/**
 * Creates the key, then frees the parallelism slot: the secret's delivery goes on in the background, batched
 * with the others' (one file write for many secrets); the phase waits for every delivery before it ends.
 */
async function startCreate(action: CreateAction, ctx: ApplyContext): Promise<Started> {
  const provider = providerOf(ctx, action.provider);
  const entry = pendingFor(action, action.spec, ctx);
  const outcome: ActionOutcome = { ...base(action), status: 'done', delivered: [] };
  try {
    const created = await sendCreate(provider, entry, ctx);
    outcome.newKeyId = created.key.id;
    return { done: settle(action, () => deliverCreated(provider, entry, targetsOf(action), created, ctx, outcome)).then((o) => report(ctx, o)) };
  } catch (error) {
    const holder = nameHeldBy(error);
    if (holder !== undefined) return { done: Promise.resolve(report(ctx, lostRace(action, holder))) };
    return finishNow(action, () => Promise.reject(error), ctx);
  }
}

/**
 * Another apply (another checkout, racing this one) created the key between this plan and this create. Its
 * secret went to that run's sinks: not done here, and no run of this checkout will bring it here.
 */
function lostRace(action: CreateAction, holder: string): ActionOutcome {
  return {
    ...base(action),
    status: 'failed',
    createdElsewhere: holder,
    delivered: [],
    message: `created by another apply (its secret went to that run's sinks): ${holder} took the name first, and this run's sinks do not have its secret`,
  };
}

async function finishNow(action: PlannedAction, work: () => Promise<ActionOutcome>, ctx: ApplyContext): Promise<Started> {
  return { done: Promise.resolve(report(ctx, await settle(action, work))) };
}

/** Finishes an interrupted apply's create: replays it (same idempotency key), delivers where keys.yaml says now, retires what it replaces. */
async function finish(action: FinishAction, ctx: ApplyContext): Promise<ActionOutcome> {
  const provider = providerOf(ctx, action.provider);
  const recorded = ctx.journal.get(action.journalKey);
  // A rotation whose replacement never reached the service is created as declared now, under a new key.
  if (action.journalKey !== action.idempotencyKey) ctx.journal.complete(action.journalKey);
  const entry: PendingDelivery = {
    provider: action.provider,
    idempotencyKey: action.idempotencyKey,
    spec: action.spec,
    startedAt: action.journalKey === action.idempotencyKey ? (recorded?.startedAt ?? ctx.now) : ctx.now,
    ...(action.retire ? { retire: action.retire } : {}),
    ...(action.recoveryFile ? { recoveryFile: action.recoveryFile } : {}),
  };
  const outcome: ActionOutcome = { ...base(action), status: 'done', delivered: [] };
  return createAndDeliver(provider, entry, targetsOf(action), ctx, outcome);
}

async function update(action: UpdateAction, ctx: ApplyContext): Promise<ActionOutcome> {
  const updated = await providerOf(ctx, action.provider).update(action.remote.id, action.patch, action.remote.etag);
  return { ...base(action), status: 'done', keyId: updated.id, delivered: [] };
}

async function rotate(action: RotateAction, ctx: ApplyContext): Promise<ActionOutcome> {
  const provider = providerOf(ctx, action.provider);
  const outcome: ActionOutcome = { ...base(action), status: 'done', keyId: action.remote.id, delivered: [] };
  if (action.retire.mode === 'revoke-first') {
    await provider.revoke(action.remote.id);
    return createAndDeliver(provider, rotationEntry(action, ctx), targetsOf(action), ctx, outcome);
  }
  // The old key steps aside (renamed, marked as waiting for delivery) so the new one can take its name;
  // it is only revoked once the new secret is delivered.
  const renamed = await provider.update(action.remote.id, { name: action.retire.retiredName, metadata: retiringMetadata(action.remote, action.spec.name, null) }, action.remote.etag);
  return createAndDeliver(provider, rotationEntry(action, ctx), targetsOf(action), ctx, outcome, renamed);
}

async function revoke(action: RevokeAction, ctx: ApplyContext): Promise<ActionOutcome> {
  await revokePlanned(providerOf(ctx, action.provider), action);
  return { ...base(action), status: 'done', keyId: action.remote.id, delivered: [] };
}

/** The journalled create: record, create (idempotent), deliver, retire the replaced key, then clear the record. */
async function createAndDeliver(
  provider: Provider,
  entry: PendingDelivery,
  targets: readonly DeliverTarget[],
  ctx: ApplyContext,
  outcome: ActionOutcome,
  retiring?: RemoteKey,
): Promise<ActionOutcome> {
  const created = await sendCreate(provider, entry, ctx);
  outcome.newKeyId = created.key.id;
  return deliverCreated(provider, entry, targets, created, ctx, outcome, retiring);
}

async function sendCreate(provider: Provider, entry: PendingDelivery, ctx: ApplyContext): Promise<CreatedKey> {
  if (!ctx.journal.has(entry.idempotencyKey)) await ctx.journal.record(entry);
  const metadata = ctx.marksDelivery?.has(entry.provider) ? withDeliveryMark(entry.spec.metadata) : entry.spec.metadata;
  const create = provider.create({ ...entry.spec, metadata, idempotencyKey: entry.idempotencyKey });
  return create.then((created) => requireLive(created, entry.spec, ctx.now)).catch((error: unknown) => {
    // A refusal (409, 422, ...) means no key was made: nothing to resume. Anything else may have committed.
    if (isRefusal(error)) ctx.journal.complete(entry.idempotencyKey);
    throw error;
  });
}

async function deliverCreated(
  provider: Provider,
  entry: PendingDelivery,
  targets: readonly DeliverTarget[],
  created: CreatedKey,
  ctx: ApplyContext,
  outcome: ActionOutcome,
  retiring?: RemoteKey,
): Promise<ActionOutcome> {
  const request = { provider: entry.provider, name: entry.spec.name, targets, ...(ctx.secretsOut ? { secretsOut: ctx.secretsOut } : {}) };
  const result = await ctx.delivery.deliver({ ...request, ...(entry.recoveryFile ? { recoveryFile: entry.recoveryFile } : {}) }, created.secret);
  outcome.delivered = result.delivered;
  if (result.failures.length > 0) {
    const recoveryFile = result.recoveryFile as string;
    await ctx.journal.record({ ...entry, keyId: created.key.id, recoveryFile });
    if (ctx.marksDelivery?.has(entry.provider)) await markDeliveryFailed(provider, created);
    const kept = entry.retire ? `; the old key ${entry.retire.keyId} is kept` : '';
    const saved = entry.recoveryFile ? 'the secret is still in' : 'the secret was saved to';
    const shown = displayPath(recoveryFile);
    return { ...outcome, status: 'failed', recoveryFile: shown, message: `delivery failed: ${result.failures.join('; ')}${kept}; ${saved} ${shown}` };
  }
  if (entry.recoveryFile) {
    await ctx.delivery.forgetRecovered({ ...request, recoveryFile: entry.recoveryFile });
    outcome.message = `removed from the recovery file ${displayPath(entry.recoveryFile)}`;
  }
  await confirmDelivery(provider, created, outcome);
  if (entry.retire) outcome.retireAt = await retireReplaced(provider, entry.retire, created.key.name, ctx, retiring);
  ctx.journal.complete(entry.idempotencyKey);
  return outcome;
}

/**
 * A sink refused the secret: the mark says so, so that a plan elsewhere (another checkout, a fresh runner)
 * rotates it at once rather than take it for another apply's delivery still under way. Best effort.
 */
async function markDeliveryFailed(provider: Provider, created: CreatedKey): Promise<void> {
  await provider.update(created.key.id, { metadata: withFailedDeliveryMark(created.key.metadata) }, created.key.etag).catch(() => undefined);
}

/** Every sink has the secret: the key's pending-delivery mark goes (a failure only means a later plan rotates it). */
async function confirmDelivery(provider: Provider, created: CreatedKey, outcome: ActionOutcome): Promise<void> {
  const cleared = withoutDeliveryMark(created.key.metadata);
  if (cleared === created.key.metadata) return;
  try {
    await provider.update(created.key.id, { metadata: cleared }, created.key.etag);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    outcome.message = [outcome.message, `delivered, but its pending-delivery mark could not be cleared (${why}): the next plan rotates it`].filter(Boolean).join('; ');
  }
}

async function retireReplaced(
  provider: Provider,
  retire: NonNullable<PendingDelivery['retire']>,
  replacedBy: string,
  ctx: ApplyContext,
  retiring: RemoteKey | undefined,
): Promise<number | undefined> {
  if (retire.overlapMs === 0) {
    await provider.revoke(retire.keyId);
    return undefined;
  }
  // The overlap counts from the delivery; use of the old key after it means its consumers have not switched.
  const deliveredAt = Math.max(ctx.now, Date.now());
  const retireAt = deliveredAt + retire.overlapMs;
  // A finished apply no longer has the renamed key at hand: read it back (rare, so a full list is fine).
  const current = retiring ?? (await provider.list()).find((key) => key.id === retire.keyId);
  if (current) await provider.update(current.id, { metadata: retiringMetadata(current, replacedBy, retireAt, deliveredAt) }, current.etag);
  return retireAt;
}

function rotationEntry(action: RotateAction, ctx: ApplyContext): PendingDelivery {
  const entry = pendingFor(action, action.spec, ctx);
  return action.retire.mode === 'rename' ? { ...entry, retire: { keyId: action.remote.id, overlapMs: action.retire.overlapMs } } : entry;
}

function pendingFor(action: CreateAction | RotateAction, spec: KeySpec, ctx: ApplyContext): PendingDelivery {
  return { provider: action.provider, idempotencyKey: action.idempotencyKey, spec, startedAt: ctx.now };
}

/** Where a new secret goes: what keys.yaml declares for the key now (plus this run's --secrets-out). */
function targetsOf(action: CreateAction | RotateAction | FinishAction): readonly DeliverTarget[] {
  return action.desired?.deliver ?? [];
}

async function settle(outcome: Pick<ActionOutcome, 'kind' | 'provider' | 'name'> | PlannedAction, work: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
  try {
    return await work();
  } catch (error) {
    const keyId = 'remote' in outcome ? outcome.remote.id : undefined;
    return { kind: outcome.kind, provider: outcome.provider, name: outcome.name, status: 'failed', delivered: [], ...(keyId ? { keyId } : {}), message: error instanceof Error ? error.message : String(error) };
  }
}

function notStarted(action: PlannedAction): ActionOutcome {
  return { ...base(action), status: 'not-started', delivered: [], message: 'not started: the apply was interrupted' };
}

function base(action: PlannedAction): Pick<ActionOutcome, 'kind' | 'provider' | 'name'> {
  return { kind: action.kind, provider: action.provider, name: action.name };
}

function keyOf(action: Pick<ActionOutcome, 'provider' | 'name'>): string {
  return `${action.provider}/${action.name}`;
}

function report(ctx: ApplyContext, outcome: ActionOutcome): ActionOutcome {
  ctx.onOutcome?.(outcome);
  return outcome;
}

function providerOf(ctx: ApplyContext, name: string): Provider {
  const provider = ctx.providers.get(name);
  if (!provider) throw new Error(`provider ${name} is not open`);
  return provider;
}
