import type { DesiredKey, EpochMillis, RemoteKey } from './model.js';
import type { CreateAction, DroppedJournalEntry, FinishAction, KeySpec, PlannedAction } from './plan-types.js';

/**
 * A create an earlier apply recorded in its journal (before sending it) and did not see through: the
 * process was interrupted, the answer was lost, or the secret could not be delivered. Holds no secret.
 */
export interface UnfinishedCreate {
  provider: string;
  idempotencyKey: string;
  spec: KeySpec;
  /** For a rotation: the old key, renamed aside, to retire once the secret is delivered. */
  retire?: { keyId: string; overlapMs: number };
  /** When the create was recorded (the client's clock). */
  startedAt: EpochMillis;
  /** The key the create made, once an answer said so. */
  keyId?: string;
  /** Where the secret was saved when its delivery failed (an absolute path). */
  recoveryFile?: string;
}

/** A key service's clock may run behind ours: a key created this long before the record still counts as its key. */
export const CLOCK_SKEW_MS = 10 * 60_000;

export interface UnfinishedPlan {
  actions: PlannedAction[];
  dropped: DroppedJournalEntry[];
}

/**
 * Folds what interrupted applies left in the journal into one provider's actions. A declared key whose create
 * reached the key service gets a `finish` (deliver its secret, retire what it replaces); a create that never
 * arrived is planned afresh as a create (a rotation's as a finish that creates, so the old key is retired);
 * an entry for a key no longer declared is dropped and never created — if the key exists, the ordinary plan
 * revokes it as a managed key that is no longer declared.
 */
export function planUnfinished(
  entries: readonly UnfinishedCreate[],
  declared: readonly DesiredKey[],
  live: ReadonlyMap<string, RemoteKey[]>,
  actions: readonly PlannedAction[],
): UnfinishedPlan {
  const out = [...actions];
  const dropped: DroppedJournalEntry[] = [];
  const finishes: FinishAction[] = [];
  const drop = (entry: UnfinishedCreate, reason: string) =>
    dropped.push({ provider: entry.provider, name: entry.spec.name, journalKey: entry.idempotencyKey, reason });

  for (const entry of entries) {
    const name = entry.spec.name;
    const desired = declared.find((key) => key.name === name);
    if (!desired) {
      drop(entry, 'no longer declared: it is not created');
      continue;
    }
    const made = (live.get(name) ?? []).filter((key) => madeBy(entry, key));
    const createIndex = out.findIndex((a): a is CreateAction => a.kind === 'create' && a.name === name);
    if (made.length === 1) {
      const key = made[0] as RemoteKey;
      finishes.push(finishAction(entry, desired, { keyId: key.id, spec: entry.spec, idempotencyKey: entry.idempotencyKey }, deliveredReason(key, entry)));
    } else if (entry.retire && createIndex >= 0) {
      // The old key was renamed aside but its replacement never arrived: create it now, as declared now.
      const create = out[createIndex] as CreateAction;
      out.splice(createIndex, 1);
      const reason = `an interrupted apply renamed ${entry.retire.keyId} aside to rotate it but never created the replacement: create it, deliver its secret, then retire ${entry.retire.keyId}`;
      finishes.push(finishAction(entry, desired, { keyId: null, spec: create.spec, idempotencyKey: create.idempotencyKey }, reason));
    } else {
      const create = createIndex >= 0 ? (out[createIndex] as CreateAction) : undefined;
      if (create) out[createIndex] = { ...create, reasons: [...create.reasons, 'an interrupted apply recorded this create but it never reached the key service'] };
      drop(entry, 'its create never reached the key service; nothing to finish');
    }
  }
  return { actions: [...finishes, ...out], dropped };
}

/**
 * Whether `key` is the one the entry's create made: the id an answer reported, else a key of that name
 * created after the entry was recorded (and not the key a rotation was replacing).
 */
function madeBy(entry: UnfinishedCreate, key: RemoteKey): boolean {
  if (entry.keyId !== undefined) return key.id === entry.keyId;
  return key.id !== entry.retire?.keyId && key.createdAt >= entry.startedAt - CLOCK_SKEW_MS;
}

function deliveredReason(key: RemoteKey, entry: UnfinishedCreate): string {
  const retire = entry.retire ? `, then retire the key it replaces (${entry.retire.keyId})` : '';
  return `deliver the secret of the key created by an interrupted apply (${key.id}) to the targets keys.yaml declares now${retire}`;
}

function finishAction(
  entry: UnfinishedCreate,
  desired: DesiredKey,
  create: { keyId: string | null; spec: KeySpec; idempotencyKey: string },
  reason: string,
): FinishAction {
  return {
    kind: 'finish',
    provider: entry.provider,
    name: entry.spec.name,
    desired,
    reasons: [reason],
    warnings: [],
    spec: create.spec,
    idempotencyKey: create.idempotencyKey,
    journalKey: entry.idempotencyKey,
    keyId: create.keyId,
    ...(entry.retire ? { retire: entry.retire } : {}),
    ...(entry.recoveryFile ? { recoveryFile: entry.recoveryFile } : {}),
  };
}
