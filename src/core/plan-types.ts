import type { SourcePosition } from './errors.js';
import type { DesiredKey, EpochMillis, Expiry, Policy, RemoteKey } from './model.js';

export type ActionKind = 'create' | 'update' | 'rotate' | 'revoke' | 'finish';

export type ChangedField = 'name' | 'description' | 'roles' | 'metadata' | 'expires';

export interface FieldChange {
  field: ChangedField;
  before: string | string[] | Record<string, string> | null;
  after: string | string[] | Record<string, string> | null;
}

export interface RoleChange {
  rolesAdded: string[];
  rolesRemoved: string[];
  permissionsAdded: string[];
  permissionsRemoved: string[];
  /** Permissions were added: reviewers must see a privilege escalation. */
  escalation: boolean;
}

export type WarningKind = 'in-use' | 'consumers' | 'never-used' | 'last-use-unknown' | 'privilege-escalation' | 'prevent-revoke' | 'downtime';

export interface PlanWarning {
  kind: WarningKind;
  message: string;
  /** A blocking warning stops `apply` unless overridden (in-use, consumers) or always (prevent-revoke). */
  gate: 'allow-in-use' | 'prevent-revoke' | null;
}

/** What a create (or the create half of a rotation) sends to the provider. */
export interface KeySpec {
  name: string;
  description: string;
  roles: string[];
  expires?: Expiry;
  metadata: Record<string, string>;
  /** The key's provider fields (`keystone: {...}`), for its provider only. */
  providerFields?: Record<string, unknown>;
}

interface ActionBase {
  kind: ActionKind;
  provider: string;
  /** The key's declared name, or its remote name for a revoke. */
  name: string;
  reasons: string[];
  warnings: PlanWarning[];
  /** The declared key, where there is one. */
  desired?: DesiredKey;
}

export interface CreateAction extends ActionBase {
  kind: 'create';
  spec: KeySpec;
  /** Deterministic from the plan, so a retried or resumed apply never makes a duplicate. */
  idempotencyKey: string;
}

export interface UpdateAction extends ActionBase {
  kind: 'update';
  remote: RemoteKey;
  changes: FieldChange[];
  roleChange?: RoleChange;
  patch: { name?: string; description?: string; roles?: string[]; metadata?: Record<string, string>; providerFields?: Record<string, unknown> };
}

export interface RotateAction extends ActionBase {
  kind: 'rotate';
  remote: RemoteKey;
  spec: KeySpec;
  idempotencyKey: string;
  changes: FieldChange[];
  roleChange?: RoleChange;
  /**
   * How the old key is retired. `rename`: before the create, the old key is renamed aside; once the new
   * secret is delivered it is revoked (no overlap) or marked for a later apply to revoke after `overlapMs`. `revoke-first`: the
   * provider cannot rename keys, so the old key is revoked before the new one can take its name.
   */
  retire: { mode: 'rename'; retiredName: string; overlapMs: number } | { mode: 'revoke-first' };
}

export interface RevokeAction extends ActionBase {
  kind: 'revoke';
  remote: RemoteKey;
  /** Metadata written just before the revoke (who revoked it), where the provider can edit metadata. */
  mark?: Record<string, string>;
}

/**
 * Work an interrupted apply left behind: a create it recorded in its journal but whose secret it never
 * delivered. Finishing replays the create (same idempotency key: the key service returns the same key and
 * secret, or makes the key if the create never arrived), delivers the secret to the targets keys.yaml
 * declares now, and for a rotation retires the key it replaces.
 */
export interface FinishAction extends ActionBase {
  kind: 'finish';
  spec: KeySpec;
  /** Sent with the create. */
  idempotencyKey: string;
  /** The journal entry this finishes (differs from idempotencyKey when the create is planned afresh). */
  journalKey: string;
  /** The key the interrupted apply made; null when its create never reached the key service. */
  keyId: string | null;
  /** For a rotation: the old key, renamed aside, to retire once the secret is delivered. */
  retire?: { keyId: string; overlapMs: number };
  /** Where an earlier apply saved this secret when its delivery failed (an absolute path). */
  recoveryFile?: string;
}

export type PlannedAction = CreateAction | UpdateAction | RotateAction | RevokeAction | FinishAction;

/** A journal entry the plan lets go of: nothing to finish (see `reason`); apply removes it from the journal. */
export interface DroppedJournalEntry {
  provider: string;
  name: string;
  journalKey: string;
  reason: string;
}

export type FindingKind =
  | 'stale'
  | 'never-used'
  | 'expired'
  | 'expiring'
  | 'no-expiry'
  | 'rotation-due'
  | 'unmanaged'
  | 'managed-elsewhere'
  | 'privileged-stale';

export type Severity = 'warning' | 'error';

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  provider: string;
  keyId: string;
  name: string;
  message: string;
  /** The declared key, where the remote key is declared. */
  desired?: DesiredKey;
  remote: RemoteKey;
}

/** A problem that makes the plan impossible (two keys under one name, an expiry the provider refuses, ...). */
export interface PlanProblem {
  provider: string;
  name: string;
  message: string;
  desired?: DesiredKey;
  /** Where the problem is: the field it is about, else the key's entry (desired.source). */
  source?: SourcePosition;
}

/** A remote key waiting out its rotation overlap; revoked by a later apply once `retireAt` has passed. */
export interface PendingRetirement {
  provider: string;
  remote: RemoteKey;
  replacedBy: string;
  /** null: waiting for the replacement's secret to be delivered; never revoked until then. */
  retireAt: EpochMillis | null;
  /** Why it is kept past its overlap: still used after its replacement was delivered. */
  warning?: string;
}

/** Something a reviewer should know that changes nothing and blocks nothing (a likely typo, a provider's limit). */
export interface PlanNotice {
  /** The key it is about, if one. */
  name?: string;
  message: string;
  source?: SourcePosition;
}

export interface ProviderPlan {
  provider: string;
  actions: PlannedAction[];
  problems: PlanProblem[];
  findings: Finding[];
  pending: PendingRetirement[];
  /** Journal entries of an interrupted apply with nothing left to finish. */
  droppedJournal: DroppedJournalEntry[];
  /** Keys this configuration manages at this provider (the base of the change threshold). */
  managedCount: number;
  /** The configuration's `ownership:`: the plan touches only keys of it. */
  ownership: string;
  /** Fingerprint of the remote keys the plan was made from. */
  remoteFingerprint: string;
  /** Warnings that block nothing; absent in plans saved before they existed. */
  notices?: PlanNotice[];
}

export interface Plan {
  createdAt: EpochMillis;
  /** The policy the plan was made under (the safety thresholds apply it). */
  policy: Policy;
  providers: ProviderPlan[];
}

export interface PlanSummary {
  create: number;
  update: number;
  rotate: number;
  revoke: number;
  finish: number;
}
