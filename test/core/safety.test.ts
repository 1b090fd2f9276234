import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/plan.js';
import { checkGates } from '../../src/core/safety.js';
import { preventRevokeWarning } from '../../src/core/dependency.js';
import { DAY, HOUR, NOW, desiredKey, desiredState, remoteKey, snapshot } from './builders.js';
import type { RemoteKey } from '../../src/core/model.js';

function gates(remote: RemoteKey[], declared = [desiredKey({ name: 'Kept' })], overrides = { allowInUse: false, force: false }) {
  const plan = makePlan(desiredState(declared), { default: snapshot(remote) }, NOW);
  return checkGates(plan, overrides).map((r) => r.gate);
}

describe('safety gates', () => {
  it('refuses to revoke a key used within in_use_window unless --allow-in-use', () => {
    const inUse = [remoteKey({ name: 'Gone', lastUsedAt: NOW - HOUR })];
    expect(gates(inUse)).toEqual(['allow-in-use']);
    expect(gates(inUse, undefined, { allowInUse: true, force: false })).toEqual([]);
  });

  it('lets an idle key be revoked', () => {
    expect(gates([remoteKey({ name: 'Gone', lastUsedAt: NOW - 30 * DAY })])).toEqual([]);
  });

  it('refuses prevent_revoke whatever the flags (a fresh plan already makes it a problem instead of an action)', () => {
    const guarded = remoteKey({ name: 'Gone', lastUsedAt: null, metadata: { 'managed-by': 'keyplan', 'keyplan-prevent-revoke': 'true' } });
    const plan = makePlan(desiredState([]), { default: snapshot([guarded]) }, NOW);
    expect(plan.providers[0]?.problems).toHaveLength(1);
    // A plan saved by an earlier version could still carry the action: the gate refuses it.
    const saved = { ...plan, providers: plan.providers.map((p) => ({ ...p, problems: [], actions: [{ kind: 'revoke' as const, provider: 'default', name: 'Gone', remote: guarded, reasons: [], warnings: [preventRevokeWarning(guarded)] }] })) };
    expect(checkGates(saved, { allowInUse: true, force: true }).map((r) => r.gate)).toEqual(['prevent-revoke']);
  });

  it('refuses revokes above max_change_fraction of at least min_keys_for_threshold managed keys unless --force', () => {
    const keys = Array.from({ length: 10 }, (_, i) => remoteKey({ name: `K${i}`, lastUsedAt: null }));
    const declared = keys.slice(0, 6).map((k) => desiredKey({ name: k.name }));
    expect(gates(keys, declared)).toEqual(['threshold']); // 4 of 10 > 0.3
    expect(gates(keys, declared, { allowInUse: false, force: true })).toEqual([]);
    expect(gates(keys, keys.slice(0, 7).map((k) => desiredKey({ name: k.name })))).toEqual([]); // 3 of 10 = 0.3
  });

  it('does not apply the threshold below min_keys_for_threshold', () => {
    const keys = Array.from({ length: 9 }, (_, i) => remoteKey({ name: `K${i}`, lastUsedAt: null }));
    expect(gates(keys, [])).toEqual([]);
  });

  it('names the flag that overrides it', () => {
    const plan = makePlan(desiredState([]), { default: snapshot([remoteKey({ name: 'Gone', lastUsedAt: NOW - HOUR })]) }, NOW);
    expect(checkGates(plan, { allowInUse: false, force: false })[0]?.message).toMatch(/^revoke default\/Gone \(key_\d+\): .*pass --allow-in-use/);
  });
});
