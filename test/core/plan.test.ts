import { describe, expect, it } from 'vitest';
import { makePlan, planProvider, summarize } from '../../src/core/plan.js';
import type { PlannedAction, ProviderPlan } from '../../src/core/plan-types.js';
import { DAY, HOUR, NOW, capabilities, desiredKey, desiredState, policy, remoteFor, remoteKey, snapshot } from './builders.js';
import type { DesiredKey, RemoteKey } from '../../src/core/model.js';

function planOf(desired: DesiredKey[], remote: RemoteKey[], overrides: Parameters<typeof snapshot>[1] = {}, pol = policy()): ProviderPlan {
  return planProvider('default', desired, snapshot(remote, overrides), pol, NOW);
}

function only(plan: ProviderPlan): PlannedAction {
  expect(plan.problems).toEqual([]);
  expect(plan.actions).toHaveLength(1);
  return plan.actions[0] as PlannedAction;
}

describe('plan: the DESIGN.md table', () => {
  it('creates a declared key with no live remote key', () => {
    const action = only(planOf([desiredKey({ owner: 'team-billing' })], []));
    expect(action.kind).toBe('create');
    if (action.kind !== 'create') return;
    expect(action.spec.metadata).toEqual({ 'managed-by': 'keyplan', 'keyplan-owner': 'team-billing' });
    expect(action.reasons).toEqual(['declared, and no live key has this name (never created, or deleted outside keyplan)']);
    expect(action.idempotencyKey).toMatch(/^keyplan-[0-9a-f]{32}$/);
  });

  it('does nothing when the remote key matches', () => {
    const desired = desiredKey({ owner: 'team-billing', consumers: ['dash'] });
    expect(planOf([desired], [remoteFor(desired)]).actions).toEqual([]);
  });

  it('updates description and roles field by field, listing permissions added and removed', () => {
    const desired = desiredKey({ description: 'new', roles: ['ADMIN'] });
    const action = only(planOf([desired], [remoteFor(desiredKey())]));
    expect(action.kind).toBe('update');
    if (action.kind !== 'update') return;
    expect(action.patch).toEqual({ description: 'new', roles: ['ADMIN'] });
    expect(action.changes.map((c) => c.field)).toEqual(['description', 'roles']);
    expect(action.roleChange).toEqual({
      rolesAdded: ['ADMIN'],
      rolesRemoved: ['READONLY'],
      permissionsAdded: ['keys:create', 'keys:revoke', 'keys:update'],
      permissionsRemoved: [],
      escalation: true,
    });
    expect(action.warnings.map((w) => w.kind)).toEqual(['privilege-escalation']);
  });

  it('flags no escalation when roles only lose permissions', () => {
    const action = only(planOf([desiredKey({ roles: ['READONLY'] })], [remoteFor(desiredKey({ roles: ['ADMIN'] }))]));
    if (action.kind !== 'update') throw new Error(action.kind);
    expect(action.roleChange?.escalation).toBe(false);
    expect(action.roleChange?.permissionsRemoved).toEqual(['keys:create', 'keys:revoke', 'keys:update']);
    expect(action.warnings).toEqual([]);
  });

  it('renames in place through renamed_from, never revoke + create', () => {
    const old = remoteFor(desiredKey({ name: 'billing_ro' }));
    const action = only(planOf([desiredKey({ renamedFrom: ['billing_ro'] })], [old]));
    expect(action.kind).toBe('update');
    if (action.kind !== 'update') return;
    expect(action.patch).toEqual({ name: 'Billing_Reader' });
    expect(action.remote.id).toBe(old.id);
    expect(action.reasons[0]).toContain('renamed from billing_ro');
  });

  it('rotates when a field the provider cannot edit in place changes', () => {
    const desired = desiredKey({ roles: ['ADMIN'] });
    const remote = remoteFor(desiredKey());
    const action = only(planOf([desired], [remote], { capabilities: capabilities({ editableFields: ['name', 'description', 'metadata'] }) }));
    expect(action.kind).toBe('rotate');
    if (action.kind !== 'rotate') return;
    expect(action.reasons[0]).toMatch(/roles changes .* cannot edit it in place/);
    expect(action.spec.roles).toEqual(['ADMIN']);
    expect(action.retire).toEqual({ mode: 'rename', retiredName: expect.stringContaining('Billing_Reader.retiring-'), overlapMs: 0 });
  });

  it('rotates when the declared expiry differs and expiry is not editable', () => {
    const desired = desiredKey({ expires: { kind: 'relative', ms: 90 * DAY, text: '90d' } });
    const remote = remoteFor(desired, { createdAt: NOW - DAY, expiresAt: NOW - DAY + 30 * DAY });
    const action = only(planOf([desired], [remote]));
    expect(action.kind).toBe('rotate');
    expect(action.reasons[0]).toContain('expires changes');
  });

  it('keeps a key whose lifespan matches a relative expiry', () => {
    const desired = desiredKey({ expires: { kind: 'relative', ms: 90 * DAY, text: '90d' } });
    expect(planOf([desired], [remoteFor(desired, { createdAt: NOW - DAY, expiresAt: NOW + 89 * DAY })]).actions).toEqual([]);
  });

  it('rotates an expired remote key', () => {
    const desired = desiredKey();
    const action = only(planOf([desired], [remoteFor(desired, { createdAt: NOW - 40 * DAY, expiresAt: NOW - DAY })]));
    expect(action.kind).toBe('rotate');
    expect(action.reasons).toEqual(['the key expired 1 day ago']);
  });

  it('rotates when rotation.every has passed, with the overlap deciding when the old key goes', () => {
    const desired = desiredKey({ rotation: { everyMs: 30 * DAY, overlapMs: 24 * HOUR } });
    const action = only(planOf([desired], [remoteFor(desired, { createdAt: NOW - 31 * DAY })]));
    if (action.kind !== 'rotate') throw new Error(action.kind);
    expect(action.reasons[0]).toContain('rotation due: the key is 1 month old');
    expect(action.retire).toMatchObject({ mode: 'rename', overlapMs: 24 * HOUR });
  });

  it('rotates when the key expires within rotation.before_expiry', () => {
    const desired = desiredKey({ rotation: { beforeExpiryMs: 14 * DAY, overlapMs: 0 } });
    const action = only(planOf([desired], [remoteFor(desired, { expiresAt: NOW + 13 * DAY })]));
    expect(action.kind).toBe('rotate');
  });

  it('revokes a managed key that is no longer declared', () => {
    const remote = remoteKey({ name: 'Old_Key', lastUsedAt: null });
    const action = only(planOf([], [remote]));
    expect(action.kind).toBe('revoke');
    expect(action.reasons).toEqual(['managed by keyplan and no longer declared']);
    expect(action.warnings).toEqual([{ kind: 'never-used', message: `Old_Key (${remote.id}) was never used`, gate: null }]);
  });

  it('reports an unmanaged remote key as a finding and leaves it alone', () => {
    const remote = remoteKey({ name: 'Hand_Made', metadata: {} });
    const plan = planOf([], [remote]);
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => [f.kind, f.name])).toContainEqual(['unmanaged', 'Hand_Made']);
  });

  it('revokes an unmanaged remote key with prune: true', () => {
    const remote = remoteKey({ name: 'Hand_Made', metadata: {} });
    expect(only(planOf([], [remote], {}, policy({ prune: true }))).kind).toBe('revoke');
  });

  it('errors naming both ids when two live keys share a declared name', () => {
    const a = remoteKey();
    const b = remoteKey();
    const plan = planOf([desiredKey()], [a, b]);
    expect(plan.actions).toEqual([]);
    expect(plan.problems[0]?.message).toContain(a.id);
    expect(plan.problems[0]?.message).toContain(b.id);
  });

  it('adopts an unmanaged key declared in YAML by marking it, keeping its secret', () => {
    const desired = desiredKey();
    const action = only(planOf([desired], [remoteFor(desired, { metadata: { team: 'x' } })]));
    if (action.kind !== 'update') throw new Error(action.kind);
    expect(action.patch).toEqual({ metadata: { 'managed-by': 'keyplan', team: 'x' } });
    expect(action.reasons).toEqual(['adopts an existing key: marks it as managed by keyplan, the secret is kept']);
  });
});

describe('plan: keys changed out of band', () => {
  it('plans a create with the reason when the key was revoked outside keyplan', () => {
    const revoked = remoteKey({ revokedAt: NOW - 2 * DAY });
    const action = only(planOf([desiredKey()], [revoked]));
    expect(action.kind).toBe('create');
    expect(action.reasons[0]).toBe(
      `${revoked.id} named Billing_Reader was revoked 2 days ago outside keyplan; a revoked key's secret never comes back: a new key with a new secret replaces it`,
    );
  });

  it('says when keyplan itself revoked the key, from the mark it leaves', () => {
    const revoked = remoteKey({ revokedAt: NOW - 3 * HOUR, metadata: { 'managed-by': 'keyplan', 'keyplan-revoked-by': 'default' } });
    const action = only(planOf([desiredKey()], [revoked]));
    expect(action.reasons[0]).toContain(`${revoked.id} named Billing_Reader was revoked by keyplan 3 hours ago;`);
  });

  it('never sends the idempotency key of an earlier create: a revoke or any other remote change makes a new one', () => {
    const desired = desiredKey();
    const first = only(planOf([desired], []));
    const created = remoteFor(desired);
    const afterRevoke = only(planOf([desired], [{ ...created, revokedAt: NOW - HOUR }]));
    const afterRename = planOf([desired], [{ ...created, name: 'Renamed' }]).actions.find((a) => a.kind === 'create') as PlannedAction;
    const keys = [first, afterRevoke, afterRename].map((a) => (a.kind === 'create' ? a.idempotencyKey : ''));
    expect(new Set(keys).size).toBe(3);
    // The same remote state plans the same key: a retried plan replays rather than duplicates.
    expect(only(planOf([desired], []))).toMatchObject({ kind: 'create', idempotencyKey: keys[0] });
  });

  it('marks a key it revokes with the ownership that revoked it, where the provider edits metadata', () => {
    const leaving = remoteKey({ name: 'Gone' });
    const action = only(planOf([], [leaving]));
    expect(action).toMatchObject({ kind: 'revoke', mark: { 'managed-by': 'keyplan', 'keyplan-revoked-by': 'default' } });
  });

  it('plans a create when the key vanished entirely', () => {
    expect(only(planOf([desiredKey()], [])).kind).toBe('create');
  });
});

describe('plan: expirations and roles the provider refuses', () => {
  const presets = capabilities({ expiration: { mode: 'presets', presets: ['30d', '90d', 'never'] } });

  it('accepts a preset', () => {
    expect(only(planOf([desiredKey({ expires: { kind: 'relative', ms: 90 * DAY, text: '90d' } })], [], { capabilities: presets })).kind).toBe('create');
  });

  it('names the accepted values for an expiry outside the presets', () => {
    const plan = planOf([desiredKey({ expires: { kind: 'relative', ms: 60 * DAY, text: '60d' } })], [], { capabilities: presets });
    expect(plan.actions).toEqual([]);
    expect(plan.problems[0]?.message).toBe('the provider does not accept expires: 60d; it accepts 30d, 90d, never');
  });

  it('refuses a date where only presets are accepted', () => {
    const plan = planOf([desiredKey({ expires: { kind: 'absolute', at: NOW + 10 * DAY, text: '2026-12-03' } })], [], { capabilities: presets });
    expect(plan.problems[0]?.message).toContain('only preset expirations (30d, 90d, never)');
  });

  it('refuses an expiry beyond the provider maximum', () => {
    const plan = planOf([desiredKey({ expires: { kind: 'relative', ms: 400 * DAY, text: '400d' } })], [], {
      capabilities: capabilities({ expiration: { mode: 'any', maxMs: 365 * DAY, allowsNever: false } }),
    });
    expect(plan.problems[0]?.message).toBe("expires: 400d is longer than the provider's maximum of 365d");
  });

  it('refuses an unknown role, naming the roles on offer', () => {
    const plan = planOf([desiredKey({ roles: ['SUPERUSER'] })], []);
    expect(plan.problems[0]?.message).toBe('unknown role SUPERUSER; the provider offers ADMIN, READONLY, BILLING');
  });
});

describe('plan: dependency warnings before a revoke', () => {
  it('warns with the last use when a key was used within in_use_window', () => {
    const remote = remoteKey({ name: 'Gone', lastUsedAt: NOW - 3 * HOUR });
    const action = only(planOf([], [remote]));
    expect(action.warnings).toEqual([
      { kind: 'in-use', message: `Gone (${remote.id}) was last used 3 hours ago, within in_use_window (7 days)`, gate: 'allow-in-use' },
    ]);
  });

  it('does not warn about use just outside in_use_window', () => {
    const remote = remoteKey({ name: 'Gone', lastUsedAt: NOW - 7 * DAY - 1 });
    expect(only(planOf([], [remote])).warnings).toEqual([]);
  });

  it('widens in_use_window by the provider\'s last-use resolution, and says why', () => {
    const remote = remoteKey({ name: 'Gone', lastUsedAt: NOW - 7 * DAY - 30 * 60_000 });
    const hourly = { ...capabilities(), lastUseResolutionMs: HOUR };
    expect(only(planOf([], [remote], { capabilities: hourly })).warnings).toEqual([
      {
        kind: 'in-use',
        message: `Gone (${remote.id}) was last used 7 days ago, just outside in_use_window (7 days), but the provider records last use only every 1 hour`,
        gate: 'allow-in-use',
      },
    ]);
    expect(only(planOf([], [remote])).warnings).toEqual([]);
  });

  it('keeps consumers recorded on the key after its block is removed', () => {
    const remote = remoteKey({ name: 'Gone', metadata: { 'managed-by': 'keyplan', 'keyplan-consumers': 'dash,etl' } });
    const action = only(planOf([], [remote]));
    expect(action.warnings.map((w) => [w.kind, w.gate])).toEqual([['consumers', 'allow-in-use']]);
    expect(action.warnings[0]?.message).toContain('dash, etl');
  });

  it('makes a revoke that prevent_revoke (recorded on the key) stands in the way a plan problem, not an action', () => {
    const remote = remoteKey({ name: 'Gone', metadata: { 'managed-by': 'keyplan', 'keyplan-prevent-revoke': 'true' } });
    const result = planOf([], [remote]);
    expect(result.actions).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual([
      `revoke default/Gone (${remote.id}): Gone (${remote.id}) has prevent_revoke: set prevent_revoke: false and apply before it can be revoked (no flag overrides prevent_revoke)`,
    ]);
    // An expired key takes nothing away: it is revoked like any other.
    expect(only(planOf([], [{ ...remote, expiresAt: NOW - DAY }])).kind).toBe('revoke');
  });

  it('makes a rotation of a prevent_revoke key a plan problem at the key', () => {
    const desired = desiredKey({ preventRevoke: true, rotation: { everyMs: DAY, overlapMs: 0 } });
    const result = planOf([desired], [remoteFor(desired, { createdAt: NOW - 2 * DAY })]);
    expect(result.actions).toEqual([]);
    expect(result.problems[0]).toMatchObject({ name: desired.name, desired });
    expect(result.problems[0]?.message).toMatch(/^rotate default\/Billing_Reader \(key_\d+\): .* has prevent_revoke/);
  });

  it('never revokes or rotates the key the provider credential is: a problem naming it and where it came from', () => {
    const self = remoteKey({ name: 'mgmt', metadata: {}, lastUsedAt: NOW });
    const identity = { self: { keyId: self.id, name: 'mgmt', source: 'the token in KEYPLAN_TOKEN' } };
    const pruned = planOf([], [self], identity, policy({ prune: true }));
    expect(pruned.actions).toEqual([]);
    expect(pruned.problems.map((p) => p.message)).toEqual([
      `mgmt (${self.id}) is the key keyplan authenticates with (the token in KEYPLAN_TOKEN): revoking it would lock keyplan out, and no flag overrides this; declare it in keys.yaml (keyplan import writes it), or run keyplan with another key`,
    ]);
    const declared = desiredKey({ name: 'mgmt', description: self.description, roles: self.roles, rotation: { everyMs: DAY, overlapMs: 0 } });
    const rotated = planOf([declared], [{ ...self, createdAt: NOW - 2 * DAY, metadata: { 'managed-by': 'keyplan' } }], identity);
    expect(rotated.actions).toEqual([]);
    expect(rotated.problems[0]?.message).toContain('is the key keyplan authenticates with (the token in KEYPLAN_TOKEN): rotating it');
    // Without the identity the same plan revokes it.
    expect(only(planOf([], [self], {}, policy({ prune: true }))).kind).toBe('revoke');
  });

  it('points a problem about a field at the field', () => {
    const desired = desiredKey({ roles: ['NOPE'], fields: { roles: { file: 'keys.yaml', line: 7, column: 12 } } });
    expect(planOf([desired], []).problems[0]?.source).toEqual({ file: 'keys.yaml', line: 7, column: 12 });
  });

  it('warns on the revoke half of a rotation using the declared consumers', () => {
    const desired = desiredKey({ consumers: ['dash'], rotation: { everyMs: DAY, overlapMs: 0 } });
    const action = only(planOf([desired], [remoteFor(desired, { createdAt: NOW - 2 * DAY, lastUsedAt: NOW - HOUR })]));
    expect(action.kind).toBe('rotate');
    expect(action.warnings.map((w) => w.kind)).toEqual(['in-use', 'consumers']);
  });
});

describe('plan: rotation overlap', () => {
  const retiring = (retireAt: number) =>
    remoteKey({
      name: 'Billing_Reader.retiring-0001',
      lastUsedAt: null,
      metadata: { 'managed-by': 'keyplan', 'keyplan-consumers': 'dash', 'keyplan-retiring-for': 'Billing_Reader', 'keyplan-retire-at': String(retireAt) },
    });

  it('never revokes a retiring key whose replacement was not delivered yet', () => {
    const desired = desiredKey();
    const pendingDelivery = retiring(0);
    pendingDelivery.metadata['keyplan-retire-at'] = 'pending-delivery';
    const plan = planOf([desired], [remoteFor(desired), pendingDelivery]);
    expect(plan.actions).toEqual([]);
    expect(plan.pending).toMatchObject([{ retireAt: null }]);
  });

  it('keeps a retiring key until its overlap has passed', () => {
    const desired = desiredKey();
    const plan = planOf([desired], [remoteFor(desired), retiring(NOW + HOUR)]);
    expect(plan.actions).toEqual([]);
    expect(plan.pending).toHaveLength(1);
  });

  it('revokes a retiring key once its overlap has passed', () => {
    const desired = desiredKey();
    const action = only(planOf([desired], [remoteFor(desired), retiring(NOW - 1)]));
    expect(action.kind).toBe('revoke');
    expect(action.reasons[0]).toContain('overlap ended');
    // Its consumers already hold the new secret: only recent use would gate this revoke.
    expect(action.warnings.map((w) => w.kind)).toEqual(['never-used']);
  });
});

describe('makePlan', () => {
  it('plans each provider with its own keys and sums the actions', () => {
    const state = desiredState([desiredKey(), desiredKey({ name: 'Other', provider: 'prod' })]);
    const plan = makePlan(state, { default: snapshot([]), prod: snapshot([remoteKey({ name: 'Stale_One' })]) }, NOW);
    expect(plan.providers.map((p) => [p.provider, p.actions.map((a) => `${a.kind}:${a.name}`)])).toEqual([
      ['default', ['create:Billing_Reader']],
      ['prod', ['create:Other', 'revoke:Stale_One']],
    ]);
    expect(summarize(plan)).toEqual({ create: 2, update: 0, rotate: 0, revoke: 1, finish: 0 });
  });

  it('gives the same create the same idempotency key on every run', () => {
    const run = () => planOf([desiredKey()], []).actions[0];
    expect(run()).toMatchObject({ idempotencyKey: (run() as { idempotencyKey: string }).idempotencyKey });
  });

  it('changes the fingerprint when a remote key changes but not when it is only used', () => {
    const key = remoteKey();
    const base = planOf([], [key]).remoteFingerprint;
    expect(planOf([], [{ ...key, lastUsedAt: NOW }]).remoteFingerprint).toBe(base);
    expect(planOf([], [{ ...key, description: 'changed' }]).remoteFingerprint).not.toBe(base);
  });
});

describe('plan: a problem never becomes a revoke', () => {
  it('leaves a matched key alone when its declaration has a problem', () => {
    const remote = remoteFor(desiredKey());
    const plan = planOf([desiredKey({ roles: ['NOPE'] })], [remote]);
    expect(plan.actions).toEqual([]);
    expect(plan.problems).toHaveLength(1);
  });
});

describe('plan: ownership', () => {
  const theirs = (overrides: Partial<RemoteKey> = {}) =>
    remoteKey({ name: 'Search_Indexer', metadata: { 'managed-by': 'keyplan', 'keyplan-ownership': 'acme/search' }, ...overrides });

  function plan(desired: DesiredKey[], remote: RemoteKey[], ownership: string, pol = policy()): ProviderPlan {
    return planProvider('default', desired, snapshot(remote), pol, NOW, ownership);
  }

  it('never revokes a key another ownership manages, even with prune, and reports it instead', () => {
    const key = theirs();
    for (const prune of [false, true]) {
      const result = plan([], [key], 'acme/billing', policy({ prune }));
      expect(result.actions).toEqual([]);
      expect(result.managedCount).toBe(0);
      expect(result.findings.map((f) => [f.kind, f.message])).toContainEqual(['managed-elsewhere', 'is managed by ownership acme/search, not acme/billing: this configuration never touches it']);
    }
  });

  it('counts keys without a mark as the default ownership: another ownership leaves them alone', () => {
    const old = remoteKey({ name: 'Old' });
    expect(plan([], [old], 'acme/billing').actions).toEqual([]);
    expect(plan([], [old], 'default').actions.map((a) => a.kind)).toEqual(['revoke']);
  });

  it('refuses a declared key whose name another ownership holds, naming it and take_over', () => {
    const key = theirs();
    const result = plan([desiredKey({ name: 'Search_Indexer', description: 'mine now' })], [key], 'acme/billing');
    expect(result.actions).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual([
      `Search_Indexer (${key.id}) is managed by ownership acme/search, not acme/billing: keyplan does not touch it. To adopt it, add \`take_over: acme/search\` to this key (keyplan import --take-over writes it); otherwise give the key another name`,
    ]);
  });

  it('takes a key over only with take_over naming its ownership, as an update that keeps the secret', () => {
    const key = theirs({ description: 'Reads invoices' });
    const desired = desiredKey({ name: 'Search_Indexer', takeOver: 'acme/search' });
    const result = plan([desired], [key], 'acme/billing');
    expect(result.problems).toEqual([]);
    const [action] = result.actions;
    expect(action).toMatchObject({ kind: 'update', patch: { metadata: { 'managed-by': 'keyplan', 'keyplan-ownership': 'acme/billing' } } });
    expect(action?.reasons).toEqual(['takes the key over from ownership acme/search (take_over): ownership acme/billing manages it from now on, the secret is kept']);
    expect(plan([desiredKey({ name: 'Search_Indexer', takeOver: 'acme/other' })], [key], 'acme/billing').problems).toHaveLength(1);
  });

  it('marks the keys it creates with a non-default ownership, and leaves the default unmarked', () => {
    const [created] = plan([desiredKey()], [], 'acme/billing').actions;
    expect(created).toMatchObject({ kind: 'create', spec: { metadata: { 'managed-by': 'keyplan', 'keyplan-ownership': 'acme/billing' } } });
    const [plain] = plan([desiredKey()], [], 'default').actions;
    expect(plain).toMatchObject({ kind: 'create', spec: { metadata: { 'managed-by': 'keyplan' } } });
  });
});
