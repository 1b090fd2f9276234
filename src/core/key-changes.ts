import { preventRevokeWarning, revokeWarnings, ungated } from './dependency.js';
import { describeExpiry, describeRemoteExpiry, expiryMatches, isExpired } from './expiry.js';
import { stableHash } from './fingerprint.js';
import { exactDuration, humanDuration, relativeTime } from './humanize.js';
import type { Capabilities, DesiredKey, ProviderTraits, EditableField, EpochMillis, Policy, RemoteKey } from './model.js';
import { RELEASED_BY_KEY, REPLACES_KEY, RETIRE_AFTER_KEY, desiredMetadata, isBeingDelivered, isManaged, isUndelivered, managedElsewhere, recordedPreventRevoke, sameMetadata, withoutDeliveryMark } from './ownership.js';
import { roleChange, type RoleCatalog } from './permissions.js';
import type { FieldChange, KeySpec, PlanWarning, PlannedAction, RoleChange, RotateAction, UpdateAction } from './plan-types.js';

export interface ChangeContext {
  provider: string;
  capabilities: Capabilities & Partial<ProviderTraits>;
  catalog: RoleCatalog;
  policy: Policy;
  now: EpochMillis;
  /** The `ownership:` of the configuration. */
  ownership: string;
  /** The remote keys the plan was made from (revoked ones included): part of every idempotency key. */
  fingerprint: string;
  /** Names of keys the journal here has unfinished creates for: their delivery is finished, not rotated. */
  journalled?: ReadonlySet<string>;
}

/** The action that brings a matched remote key to its declared state, or undefined when it already is. */
export function changeForMatched(desired: DesiredKey, remote: RemoteKey, renamedFrom: string | undefined, ctx: ChangeContext): PlannedAction | undefined {
  const changes = fieldChanges(desired, remote, ctx);
  const roles = changes.some((c) => c.field === 'roles') ? roleChange(remote.roles, desired.roles, ctx.catalog) : undefined;
  const rotateReasons = rotationReasons(desired, remote, changes, ctx);
  if (rotateReasons.length > 0) return rotateAction(desired, remote, changes, roles, rotateReasons, ctx);
  const fields = providerFieldChanges(desired, remote);
  if (changes.length === 0 && fields.length === 0) return undefined;
  const update = updateAction(desired, remote, changes, roles, renamedFrom, ctx);
  if (fields.length > 0 && desired.providerFields) {
    // Only fields the provider edits in place get here (others rotate): the whole written field goes in the patch.
    update.patch.providerFields = Object.fromEntries(fields.map(({ name }) => [name, desired.providerFields?.values[name]]));
    update.reasons.push(...fields.map(({ field, before, after }) => `${field} changed (${before} → ${after}): edited in place, the secret is kept`));
  }
  return update;
}

function fieldChanges(desired: DesiredKey, remote: RemoteKey, { capabilities, ownership }: ChangeContext): FieldChange[] {
  const changes: FieldChange[] = [];
  if (desired.name !== remote.name) changes.push({ field: 'name', before: remote.name, after: desired.name });
  if (desired.description !== remote.description) changes.push({ field: 'description', before: remote.description, after: desired.description });
  if (!sameSet(desired.roles, remote.roles)) changes.push({ field: 'roles', before: remote.roles, after: desired.roles });
  const metadata = desiredMetadata(desired, remote.metadata, ownership);
  if (capabilities.metadata && !sameMetadata(metadata, remote.metadata)) changes.push({ field: 'metadata', before: remote.metadata, after: metadata });
  if (!expiryMatches(desired.expires, remote)) changes.push({ field: 'expires', before: describeRemoteExpiry(remote), after: describeExpiry(desired.expires) });
  return changes;
}

function rotationReasons(desired: DesiredKey, remote: RemoteKey, changes: FieldChange[], { capabilities, now, journalled }: ChangeContext): string[] {
  const reasons: string[] = [];
  // A pending mark this young is most likely another apply's create still being delivered (plan-notices says so).
  if (isUndelivered(remote) && !journalled?.has(desired.name) && !isBeingDelivered(remote, now)) {
    reasons.push(`created ${relativeTime(remote.createdAt, now)}, its secret never reached a sink (no apply confirmed its delivery, and no journal here records it) — rotate to deliver a new one`);
  }
  if (isExpired(remote, now)) reasons.push(`the key expired ${relativeTime(remote.expiresAt ?? now, now)}`);
  for (const change of changes) {
    if (!capabilities.editableFields.includes(change.field as EditableField)) {
      const values = `${formatValue(change.before)} → ${formatValue(change.after)}`;
      reasons.push(
        capabilities.serviceName
          ? `${change.field} cannot change in place on ${capabilities.serviceName}: rotate (${values})`
          : `${change.field} changes (${values}) and the provider cannot edit it in place`,
      );
    }
  }
  for (const { name, field, before, after } of providerFieldChanges(desired, remote)) {
    if (capabilities.editableProviderFields?.includes(name)) continue;
    reasons.push(`${field} cannot change in place on ${capabilities.serviceName ?? 'the provider'}: rotate (${before} → ${after})`);
  }
  const rotation = desired.rotation;
  if (rotation?.everyMs !== undefined && now - remote.createdAt >= rotation.everyMs) {
    reasons.push(`rotation due: the key is ${humanDuration(now - remote.createdAt)} old (rotation.every: ${exactDuration(rotation.everyMs)})`);
  }
  if (rotation?.beforeExpiryMs !== undefined && remote.expiresAt !== null && !isExpired(remote, now) && remote.expiresAt - now <= rotation.beforeExpiryMs) {
    reasons.push(`rotation due: the key expires ${relativeTime(remote.expiresAt, now)} (rotation.before_expiry: ${exactDuration(rotation.beforeExpiryMs)})`);
  }
  return reasons;
}

function updateAction(
  desired: DesiredKey,
  remote: RemoteKey,
  changes: FieldChange[],
  roles: RoleChange | undefined,
  renamedFrom: string | undefined,
  ctx: ChangeContext,
): UpdateAction {
  const patch: UpdateAction['patch'] = {};
  const reasons: string[] = [];
  for (const change of changes) {
    if (change.field === 'name') {
      patch.name = desired.name;
      reasons.push(`renamed from ${renamedFrom ?? remote.name} (renamed_from): edited in place, the secret is kept`);
    } else if (change.field === 'description') {
      patch.description = desired.description;
      reasons.push('description changed');
    } else if (change.field === 'roles' && roles) {
      patch.roles = desired.roles;
      reasons.push(describeRoleChange(roles));
    } else if (change.field === 'metadata') {
      patch.metadata = desiredMetadata(desired, remote.metadata, ctx.ownership);
      reasons.push(metadataReason(remote, ctx.ownership));
    }
  }
  return { kind: 'update', provider: ctx.provider, name: desired.name, desired, remote, changes, roleChange: roles, patch, reasons, warnings: escalationWarnings(desired.name, roles) };
}

function rotateAction(
  desired: DesiredKey,
  remote: RemoteKey,
  changes: FieldChange[],
  roles: RoleChange | undefined,
  reasons: string[],
  ctx: ChangeContext,
): RotateAction {
  const onReplacement = ctx.capabilities.retireMarks === 'on-replacement';
  const overlapMs = desired.rotation?.overlapMs ?? 0;
  const declaredSpec = specFor(desired, remote.metadata, ctx.ownership);
  // Where nothing can be edited, the replacement says which key it replaces; the provider reports that one as retiring.
  const spec = onReplacement ? { ...declaredSpec, metadata: { ...declaredSpec.metadata, [REPLACES_KEY]: remote.id, [RETIRE_AFTER_KEY]: String(overlapMs) } } : declaredSpec;
  const canRename = onReplacement || (ctx.capabilities.editableFields.includes('name') && ctx.capabilities.editableFields.includes('metadata'));
  const useWarnings = revokeWarnings(remote, desired.consumers, ctx.policy, ctx.now, ctx.capabilities.lastUseResolutionMs);
  // With an overlap the old key stays while consumers switch: creating and delivering the new one is never gated.
  const overlapping = canRename && overlapMs > 0
    ? ungated(useWarnings, `the old key stays for the overlap (${exactDuration(overlapMs)}) and is retired only if unused after the new secret is delivered`)
    : useWarnings;
  const warnings: PlanWarning[] = [...escalationWarnings(desired.name, roles), ...overlapping];
  if ((desired.preventRevoke || recordedPreventRevoke(remote)) && !isExpired(remote, ctx.now)) warnings.push(preventRevokeWarning(remote));
  if (!canRename) {
    warnings.push({ kind: 'downtime', message: `the provider cannot rename keys, so ${remote.id} is revoked before its replacement exists`, gate: null });
  }
  return {
    kind: 'rotate',
    provider: ctx.provider,
    name: desired.name,
    desired,
    remote,
    spec,
    changes,
    roleChange: roles,
    reasons,
    warnings,
    idempotencyKey: idempotencyKey(ctx.provider, spec, remote.id, ctx.fingerprint),
    retire: canRename ? { mode: 'rename', retiredName: retiredName(remote), overlapMs } : { mode: 'revoke-first' },
  };
}

/** What a new key for `desired` is created with. */
export function specFor(desired: DesiredKey, currentMetadata: Record<string, string> = {}, ownership?: string): KeySpec {
  const metadata = withoutDeliveryMark(desiredMetadata(desired, currentMetadata, ownership));
  const spec: KeySpec = { name: desired.name, description: desired.description, roles: desired.roles, expires: desired.expires, metadata };
  if (desired.providerFields) spec.providerFields = desired.providerFields.values;
  return spec;
}

function metadataReason(remote: RemoteKey, ownership: string): string {
  const from = managedElsewhere(remote, ownership);
  if (from !== undefined) return `takes the key over from ownership ${from} (take_over): ownership ${ownership} manages it from now on, the secret is kept`;
  if (isManaged(remote)) return 'ownership metadata changed (owner, consumers or prevent_revoke)';
  const released = remote.metadata[RELEASED_BY_KEY];
  if (released !== undefined) return `takes over the key ownership ${released} released (release:): ownership ${ownership} manages it from now on, the secret is kept`;
  return 'adopts an existing key: marks it as managed by keyplan, the secret is kept';
}

/**
 * Deterministic within a plan, so a retried request or a resumed apply (the journal keeps the key) replays
 * instead of duplicating. It covers the fingerprint of every remote key, revoked ones included: a key once
 * created by a create is in every later snapshot, so no later plan can ever send that create's key again and
 * be handed back its (since revoked or renamed) key and secret.
 */
export function idempotencyKey(provider: string, spec: KeySpec, replaces: string | null, fingerprint: string): string {
  return `keyplan-${stableHash({ provider, spec, replaces, fingerprint })}`;
}

function retiredName(remote: RemoteKey): string {
  return `${remote.name.slice(0, 80)}.retiring-${remote.id.replace(/[^A-Za-z0-9]/g, '').slice(-12)}`;
}

function escalationWarnings(name: string, roles: RoleChange | undefined): PlanWarning[] {
  if (!roles?.escalation) return [];
  return [{ kind: 'privilege-escalation', message: `${name} gains permissions: ${roles.permissionsAdded.join(', ')}`, gate: null }];
}

export function describeRoleChange(roles: RoleChange): string {
  const parts = [...roles.rolesAdded.map((r) => `+${r}`), ...roles.rolesRemoved.map((r) => `-${r}`)];
  const permissions = [
    roles.permissionsAdded.length > 0 ? `adds ${roles.permissionsAdded.join(', ')}` : '',
    roles.permissionsRemoved.length > 0 ? `removes ${roles.permissionsRemoved.join(', ')}` : '',
  ].filter(Boolean);
  return `roles ${parts.join(' ')}${permissions.length > 0 ? ` (${permissions.join('; ')})` : ''}`;
}

function formatValue(value: FieldChange['before']): string {
  if (value === null) return 'none';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return JSON.stringify(value);
}

/** The provider fields written for the key that the remote key does not have as written: `keystone.unrestricted`, with both values. */
function providerFieldChanges(desired: DesiredKey, remote: RemoteKey): { name: string; field: string; before: string; after: string }[] {
  if (!desired.providerFields) return [];
  const { type, values } = desired.providerFields;
  const shown = (value: unknown) => (value === undefined || value === null ? 'none' : typeof value === 'string' ? value : JSON.stringify(value));
  return Object.keys(values)
    .filter((field) => JSON.stringify(values[field] ?? null) !== JSON.stringify(remote.providerFields?.[field] ?? null))
    .map((field) => ({ name: field, field: `${type}.${field}`, before: shown(remote.providerFields?.[field]), after: shown(values[field]) }));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

