import { describe, expect, it } from 'vitest';
import { evaluateFindings, keyJudge } from '../../src/core/findings.js';
import { roleCatalog } from '../../src/core/permissions.js';
import type { DesiredKey, RemoteKey } from '../../src/core/model.js';
import type { FindingKind } from '../../src/core/plan-types.js';
import { DAY, NOW, ROLES, desiredKey, policy, remoteKey } from './builders.js';

const SECOND = 1000;

function kinds(key: RemoteKey, declared?: DesiredKey, overrides: Parameters<typeof policy>[0] = {}): FindingKind[] {
  const findings = evaluateFindings({
    provider: 'default',
    keys: [key],
    declared: new Map(declared ? [[key.id, declared]] : []),
    catalog: roleCatalog(ROLES),
    ownership: 'default',
    policy: policy({ requireExpiryFor: ['ADMIN'], ...overrides }),
    now: NOW,
  });
  return findings.map((f) => f.kind);
}

describe('findings at their boundaries', () => {
  const cases: [string, Partial<RemoteKey>, FindingKind[]][] = [
    ['used exactly stale_after ago: not stale', { lastUsedAt: NOW - 90 * DAY }, []],
    ['used a second more than stale_after ago: stale', { lastUsedAt: NOW - 90 * DAY - SECOND }, ['stale']],
    ['used a second less than stale_after ago', { lastUsedAt: NOW - 90 * DAY + SECOND }, []],
    ['never used, created exactly unused_grace ago', { lastUsedAt: null, createdAt: NOW - 14 * DAY }, []],
    ['never used, created a second before that', { lastUsedAt: null, createdAt: NOW - 14 * DAY - SECOND }, ['never-used']],
    ['never used and new', { lastUsedAt: null, createdAt: NOW - DAY }, []],
    ['expired yesterday', { expiresAt: NOW - DAY }, ['expired']],
    ['expires this very moment', { expiresAt: NOW }, ['expired']],
    ['expires in a second', { expiresAt: NOW + SECOND }, ['expiring']],
    ['expires exactly expiry_warning from now', { expiresAt: NOW + 14 * DAY }, ['expiring']],
    ['expires a second after the warning window', { expiresAt: NOW + 14 * DAY + SECOND }, []],
    ['admin role with no expiry', { roles: ['ADMIN'], lastUsedAt: NOW }, ['no-expiry']],
    ['admin role with an expiry', { roles: ['ADMIN'], lastUsedAt: NOW, expiresAt: NOW + 30 * DAY }, []],
    ['stale admin key: privileged-stale', { roles: ['ADMIN'], lastUsedAt: NOW - 100 * DAY, expiresAt: NOW + 30 * DAY }, ['privileged-stale']],
    ['never-used key with a write permission: privileged-stale', { roles: ['BILLING'], lastUsedAt: null, createdAt: NOW - 30 * DAY }, ['privileged-stale']],
    ['unmanaged and undeclared', { metadata: {} }, ['unmanaged']],
  ];
  it.each(cases)('%s', (_label, overrides, expected) => {
    expect(kinds(remoteKey(overrides))).toEqual(expected);
  });

  it('reports rotation-due past rotation.every, not at it', () => {
    const declared = desiredKey({ rotation: { everyMs: 10 * DAY, overlapMs: 0 } });
    expect(kinds(remoteKey({ createdAt: NOW - 10 * DAY }), declared)).toEqual([]);
    expect(kinds(remoteKey({ createdAt: NOW - 10 * DAY - SECOND }), declared)).toEqual(['rotation-due']);
  });

  it('reports a key another ownership manages as managed-elsewhere, naming the owner', () => {
    const theirs = remoteKey({ lastUsedAt: NOW - DAY, metadata: { 'managed-by': 'keyplan', 'keyplan-ownership': 'acme/search' } });
    expect(kinds(theirs)).toEqual(['managed-elsewhere']);
    const [finding] = evaluateFindings({ provider: 'default', keys: [theirs], declared: new Map(), catalog: roleCatalog(ROLES), policy: policy(), now: NOW, ownership: 'default' });
    expect(finding?.message).toContain('managed by ownership acme/search, not default');
    // A managed key without the mark was made before ownership existed: it is the default ownership's.
    expect(kinds(remoteKey({ lastUsedAt: NOW - DAY }))).toEqual([]);
  });

  it('does not call a declared unmanaged key unmanaged', () => {
    expect(kinds(remoteKey({ metadata: {} }), desiredKey())).toEqual([]);
  });

  it('names the severity: errors for expired and privileged, warnings otherwise', () => {
    const [finding] = evaluateFindings({
      provider: 'default',
      keys: [remoteKey({ expiresAt: NOW - DAY })],
      declared: new Map(),
      catalog: roleCatalog(ROLES),
    ownership: 'default',
      policy: policy(),
      now: NOW,
    });
    expect(finding).toMatchObject({ kind: 'expired', severity: 'error', message: 'expired 1 day ago (2026-11-22) and is still listed as active' });
  });
});

describe('one judge for many keys', () => {
  it('gives each key its own findings, untouched by the keys judged after it', () => {
    const judge = keyJudge({ provider: 'default', declared: new Map(), catalog: roleCatalog(ROLES), ownership: 'default', policy: policy(), now: NOW });
    const stale = judge(remoteKey({ id: 'key_a', name: 'A', lastUsedAt: NOW - 100 * DAY, metadata: {} }));
    const fine = judge(remoteKey({ id: 'key_b', name: 'B', lastUsedAt: NOW - DAY, metadata: { 'managed-by': 'keyplan' } }));
    const old = judge(remoteKey({ id: 'key_c', name: 'C', lastUsedAt: null, createdAt: NOW - 30 * DAY, metadata: { 'managed-by': 'keyplan' } }));
    expect(stale.map((f) => [f.keyId, f.kind, f.message])).toEqual([
      ['key_a', 'stale', 'last used 3 months ago (stale_after: 3 months)'],
      ['key_a', 'unmanaged', 'is not declared in keys.yaml and not managed by keyplan'],
    ]);
    expect(fine).toEqual([]);
    expect(old.map((f) => [f.keyId, f.kind])).toEqual([['key_c', 'never-used']]);
    expect(stale).not.toBe(old);
  });
});
