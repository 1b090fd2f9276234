import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditKeys, declaredByRemoteId, failsAudit, parseAsOf, reachesThreshold, sortAuditedKeys, type AuditReport, type AuditedKey } from '../../src/core/audit.js';
import { expiryRulesFromRaw, proposeExpiry, proposeRemovals } from '../../src/core/audit-propose.js';
import type { DesiredKey, RemoteKey, Role } from '../../src/core/model.js';
import { DAY, NOW, ROLES, desiredKey, policy, remoteFor, remoteKey } from './builders.js';

function audit(desired: DesiredKey[], keys: RemoteKey[], roles: Role[] = ROLES, overrides: Parameters<typeof policy>[0] = {}): AuditReport {
  return auditKeys({ desiredKeys: desired, policy: policy(overrides), rootFile: 'keys.yaml', snapshots: { default: { keys, roles } }, asOf: NOW });
}

describe('matching declared keys to live keys', () => {
  it('matches by name, else by a renamed_from name, and leaves a name shared by two live keys unmatched', () => {
    const byName = desiredKey({ name: 'A' });
    const renamed = desiredKey({ name: 'B', renamedFrom: ['old_b'] });
    const twice = desiredKey({ name: 'C' });
    const a = remoteKey({ name: 'A' });
    const oldB = remoteKey({ name: 'old_b' });
    const c1 = remoteKey({ name: 'C' });
    const c2 = remoteKey({ name: 'C' });
    const declared = declaredByRemoteId([byName, renamed, twice], [a, oldB, c1, c2]);
    expect([...declared].map(([id, key]) => [id, key.name])).toEqual([
      [a.id, 'A'],
      [oldB.id, 'B'],
    ]);
  });

  it('does not audit revoked keys and does not match a declared key to one', () => {
    const declared = desiredKey({ name: 'A' });
    const report = audit([declared], [remoteKey({ name: 'A', revokedAt: NOW - DAY })]);
    expect(report.keys).toEqual([]);
  });

  it('uses the declared rotation.every of the matched key', () => {
    const declared = desiredKey({ rotation: { everyMs: 5 * DAY, overlapMs: 0 } });
    const report = audit([declared], [remoteFor(declared, { createdAt: NOW - 6 * DAY, lastUsedAt: NOW })]);
    expect(report.keys[0]?.findings.map((f) => f.kind)).toEqual(['rotation-due']);
    expect(report.keys[0]?.desired).toBe(declared);
  });
});

describe('privileged roles come from the provider permissions, not role names', () => {
  it('calls a stale key with a custom write role privileged-stale, and a stale ADMIN-named read-only role plain stale', () => {
    const roles: Role[] = [
      { name: 'ADMIN', description: 'misnamed', permissions: ['keys:read'] },
      { name: 'PAYMENTS', description: 'writes', permissions: ['payments:write'] },
    ];
    const stale = { lastUsedAt: NOW - 200 * DAY, metadata: { 'managed-by': 'keyplan' } };
    const report = audit([], [remoteKey({ name: 'a', roles: ['ADMIN'], ...stale }), remoteKey({ name: 'p', roles: ['PAYMENTS'], ...stale })], roles);
    expect(report.keys.map((k) => [k.remote.name, k.findings.map((f) => f.kind)])).toEqual([
      ['p', ['privileged-stale']],
      ['a', ['stale']],
    ]);
  });
});

describe('sorting', () => {
  it('lists keys with errors first, then warnings, then clean keys; more findings first; then by name', () => {
    const keys = [
      remoteKey({ name: 'clean', lastUsedAt: NOW }),
      remoteKey({ name: 'warn_b', lastUsedAt: NOW - 100 * DAY }),
      remoteKey({ name: 'warn_a', lastUsedAt: NOW - 100 * DAY }),
      remoteKey({ name: 'error_one', expiresAt: NOW - DAY, lastUsedAt: NOW }),
      remoteKey({ name: 'error_two', expiresAt: NOW - DAY, lastUsedAt: NOW - 100 * DAY }),
    ];
    expect(audit([], keys).keys.map((k) => k.remote.name)).toEqual(['error_two', 'error_one', 'warn_a', 'warn_b', 'clean']);
  });

  it('orders the findings of one key errors first', () => {
    const report = audit([], [remoteKey({ roles: ['READONLY'], expiresAt: NOW + DAY, lastUsedAt: NOW - 100 * DAY, metadata: {} })], ROLES, {
      requireExpiryFor: [],
    });
    expect(report.keys[0]?.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['warning expiring', 'warning stale', 'warning unmanaged']);
    const withError = audit([], [remoteKey({ roles: ['ADMIN'], lastUsedAt: NOW - 100 * DAY, metadata: {} })], ROLES, { requireExpiryFor: ['ADMIN'] });
    expect(withError.keys[0]?.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['error privileged-stale', 'error no-expiry', 'warning unmanaged']);
  });
});

describe('--fail-on', () => {
  const cases: [string, RemoteKey[], 'warning' | 'error', boolean][] = [
    ['no findings, fail on warning', [remoteKey({ lastUsedAt: NOW })], 'warning', false],
    ['a warning, fail on error', [remoteKey({ lastUsedAt: NOW - 100 * DAY })], 'error', false],
    ['a warning, fail on warning', [remoteKey({ lastUsedAt: NOW - 100 * DAY })], 'warning', true],
    ['an error, fail on error', [remoteKey({ lastUsedAt: NOW, expiresAt: NOW - DAY })], 'error', true],
    ['an error, fail on warning', [remoteKey({ lastUsedAt: NOW, expiresAt: NOW - DAY })], 'warning', true],
  ];
  it.each(cases)('%s', (_label, keys, failOn, fails) => {
    expect(failsAudit(audit([], keys), failOn)).toBe(fails);
  });

  it('ranks severities', () => {
    expect([reachesThreshold('warning', 'error'), reachesThreshold('error', 'error'), reachesThreshold('warning', 'warning')]).toEqual([false, true, true]);
  });
});

describe('--as-of', () => {
  const cases: [string, number | undefined][] = [
    ['+30d', NOW + 30 * DAY],
    ['-2w', NOW - 14 * DAY],
    ['+12h', NOW + 12 * 3_600_000],
    ['2027-06-30', Date.UTC(2027, 5, 30, 23, 59, 59, 999)],
    ['2027-06-30T12:00:00Z', Date.UTC(2027, 5, 30, 12)],
    ['2027-06-30T12:00:00+02:00', Date.UTC(2027, 5, 30, 10)],
    ['30d', undefined],
    ['+30', undefined],
    ['2027-02-30', undefined],
    ['tomorrow', undefined],
  ];
  it.each(cases)('%s', (text, expected) => {
    const parsed = parseAsOf(text, NOW);
    expect(parsed.ok ? parsed.at : undefined).toBe(expected);
    if (!parsed.ok) expect(parsed.message).toContain(`--as-of "${text}"`);
  });
});

describe('--propose: removals', () => {
  it('removes stale, never-used and privileged-stale declared keys, never one with prevent_revoke or an undeclared one', () => {
    const stale = desiredKey({ name: 'stale' });
    const neverUsed = desiredKey({ name: 'never' });
    const guarded = desiredKey({ name: 'guarded', preventRevoke: true });
    const recordedGuard = desiredKey({ name: 'recorded' });
    const fresh = desiredKey({ name: 'fresh' });
    const report = audit(
      [stale, neverUsed, guarded, recordedGuard, fresh],
      [
        remoteFor(stale, { lastUsedAt: NOW - 100 * DAY }),
        remoteFor(neverUsed, { lastUsedAt: null, createdAt: NOW - 30 * DAY }),
        remoteFor(guarded, { lastUsedAt: NOW - 100 * DAY }),
        remoteFor(recordedGuard, { lastUsedAt: NOW - 100 * DAY, metadata: { 'managed-by': 'keyplan', 'keyplan-prevent-revoke': 'true' } }),
        remoteFor(fresh, { lastUsedAt: NOW }),
        remoteKey({ name: 'undeclared', lastUsedAt: NOW - 100 * DAY }),
      ],
    );
    const { remove, kept } = proposeRemovals(report);
    expect(remove.map((r) => r.desired.name).sort()).toEqual(['never', 'stale']);
    expect(remove.find((r) => r.desired.name === 'stale')?.reason).toMatch(/^stale: last used 3 months ago/);
    expect(kept.map((k) => `${k.desired.name}: ${k.reason}`).sort()).toEqual(['guarded: stale, but prevent_revoke is set', 'recorded: stale, but prevent_revoke is set']);
  });
});

describe('--propose: expiries policy requires', () => {
  const admin = expiryRulesFromRaw({ require_expiry_for: ['ADMIN'] });
  const capped = expiryRulesFromRaw({ require_expiry_for: ['ADMIN'], max_lifetime: '30d' });
  const cases: [string, unknown, ReturnType<typeof expiryRulesFromRaw>, ReturnType<typeof proposeExpiry>][] = [
    ['required role, no expires: 90d', { roles: ['ADMIN'] }, admin, { action: 'set', expires: '90d', reason: 'policy.require_expiry_for: ADMIN must expire' }],
    ['required role, expires never: replaced', { roles: ['ADMIN'], expires: 'never' }, admin, { action: 'set', expires: '90d', reason: 'policy.require_expiry_for: ADMIN must expire' }],
    ['required role with max_lifetime: that lifetime', { roles: ['ADMIN'] }, capped, { action: 'set', expires: '30d', reason: 'policy.require_expiry_for: ADMIN must expire' }],
    ['other role, max_lifetime set', { roles: ['READONLY'] }, capped, { action: 'set', expires: '30d', reason: 'policy.max_lifetime (30d) requires an expiry' }],
    ['other role, no max_lifetime: nothing', { roles: ['READONLY'] }, admin, undefined],
    ['required role with an expiry: nothing', { roles: ['ADMIN'], expires: '7d' }, admin, undefined],
    ['prevent_revoke: kept', { roles: ['ADMIN'], prevent_revoke: true }, admin, { action: 'keep', reason: 'policy.require_expiry_for: ADMIN must expire, but prevent_revoke is set' }],
    ['not a mapping', 'oops', admin, undefined],
  ];
  it.each(cases)('%s', (_label, entry, rules, expected) => {
    expect(proposeExpiry(entry, rules)).toEqual(expected);
  });

  it('reads the rules from a raw, possibly malformed, policy section', () => {
    expect(expiryRulesFromRaw(undefined)).toEqual({ requireExpiryFor: [], maxLifetimeMs: null });
    expect(expiryRulesFromRaw({ require_expiry_for: ['ADMIN', 3], max_lifetime: 'soon' })).toEqual({ requireExpiryFor: ['ADMIN'], maxLifetimeMs: null });
  });
});

describe('the order of audited keys', () => {
  /** The order as one sort with the whole comparison gives it (how sortAuditedKeys was first written). */
  function oneSort(keys: readonly AuditedKey[]): AuditedKey[] {
    const rank = (key: AuditedKey) => (key.findings.some((f) => f.severity === 'error') ? 0 : key.findings.length > 0 ? 1 : 2);
    const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...keys].sort(
      (a, b) =>
        rank(a) - rank(b) ||
        b.findings.length - a.findings.length ||
        text(a.provider, b.provider) ||
        text(a.remote.name, b.remote.name) ||
        text(a.remote.id, b.remote.id),
    );
  }

  it('is errors, then warnings, then clean keys; more findings first; then provider, name and id; ties in input order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ provider: fc.constantFrom('a', 'b'), name: fc.constantFrom('x', 'y', 'Y'), id: fc.constantFrom('1', '2'), severities: fc.array(fc.constantFrom('error', 'warning'), { maxLength: 3 }) }), { maxLength: 40 }),
        (specs) => {
          const keys: AuditedKey[] = specs.map((spec) => {
            const remote = remoteKey({ id: spec.id, name: spec.name });
            const findings = spec.severities.map((severity) => ({ kind: 'stale' as const, severity: severity as 'error' | 'warning', provider: spec.provider, keyId: spec.id, name: spec.name, message: '', remote }));
            return { provider: spec.provider, remote, findings };
          });
          const sorted = sortAuditedKeys(keys);
          const expected = oneSort(keys);
          expect(sorted.length).toBe(expected.length);
          sorted.forEach((key, index) => expect(key).toBe(expected[index]));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the order of a key's findings", () => {
  it('is errors first, then FINDING_ORDER, whatever order they were found in, for two findings and for more', () => {
    const expiredAndUnused = remoteKey({ id: 'key_two', name: 'Two', roles: ['READONLY'], createdAt: NOW - 60 * DAY, lastUsedAt: null, expiresAt: NOW - DAY, metadata: { 'managed-by': 'keyplan' } });
    const many = remoteKey({ id: 'key_many', name: 'Many', roles: ['READONLY'], createdAt: NOW - 60 * DAY, lastUsedAt: NOW - 50 * DAY, expiresAt: NOW + DAY, metadata: {} });
    const report = audit([], [expiredAndUnused, many], ROLES, { staleAfterMs: 30 * DAY });
    const kindsOf = (id: string) => report.keys.find((key) => key.remote.id === id)?.findings.map((f) => f.kind);
    expect(kindsOf('key_two')).toEqual(['expired', 'never-used']);
    expect(kindsOf('key_many')).toEqual(['expiring', 'stale', 'unmanaged']);
  });
});
