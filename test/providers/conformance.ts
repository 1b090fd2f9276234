/**
 * The provider contract as one set of tests, run against every provider (conformance.test.ts and the
 * example package's). A provider passes when it keeps what src/providers/provider.ts and its declared
 * ProviderCapabilities promise: the plan and engine rely on nothing else.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError, type ProviderErrorKind } from '../../src/core/errors.js';
import { expiryRefusal } from '../../src/core/expiry.js';
import type { Expiry, RemoteKey } from '../../src/core/model.js';
import type { Secret } from '../../src/core/secret.js';
import type { CreateKeyInput, Provider } from '../../src/providers/provider.js';

/** One provider under test, and what the suite needs to do around it "out of band". */
export interface ConformanceTarget {
  provider: Provider;
  /** Two valid role lists: `narrow` grants less than `broad`. */
  roles: { narrow: string[]; broad: string[] };
  /** Uses a secret the way the service's consumers do (which records its last use); true when accepted. */
  use(secret: Secret): Promise<boolean>;
  /** Revokes (or deletes) a key outside keyplan. */
  revokeOutOfBand(id: string): Promise<void>;
  /** Called after each test. */
  close(): Promise<void>;
}

const DAY = 86_400_000;
const SLACK_MS = 5_000;

let counter = 0;
function fresh(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** The expiries a provider says it accepts, longest first (relative ones only; `never` when accepted). */
function acceptedExpiries(capabilities: Awaited<ReturnType<Provider['capabilities']>>): Expiry[] {
  const support = capabilities.expiration;
  if (support.mode === 'presets') {
    return support.presets.map((text): Expiry => (text === 'never' ? { kind: 'never' } : { kind: 'relative', ms: Number.parseInt(text, 10) * DAY, text }));
  }
  const max = support.maxMs === null ? 90 * DAY : Math.min(90 * DAY, support.maxMs);
  return [{ kind: 'relative', ms: max, text: `${max / DAY}d` }, ...(support.allowsNever ? [{ kind: 'never' } as Expiry] : [])];
}

async function kindOf(promise: Promise<unknown>): Promise<ProviderErrorKind | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return (error as ProviderError).kind;
  }
}

export function describeConformance(label: string, open: () => Promise<ConformanceTarget>): void {
  describe(`provider contract: ${label}`, () => {
    async function withTarget(test: (target: ConformanceTarget) => Promise<void>): Promise<void> {
      const target = await open();
      try {
        await test(target);
      } finally {
        await target.close();
      }
    }

    function input(target: ConformanceTarget, overrides: Partial<CreateKeyInput> = {}): CreateKeyInput {
      const name = overrides.name ?? fresh('conf');
      return {
        name,
        description: 'made by the conformance suite',
        roles: target.roles.narrow,
        metadata: { 'managed-by': 'keyplan', 'keyplan-ownership': 'acme/conformance', 'keyplan-owner': 'team a; b=c' },
        idempotencyKey: `keyplan-${name}-idem-0123456789abcdef`,
        ...overrides,
      };
    }

    async function listed(provider: Provider, id: string): Promise<RemoteKey | undefined> {
      return (await provider.list()).find((key) => key.id === id);
    }

    it('creates a key whose secret works, and lists it with its name, description, roles and metadata (the ownership marker)', () =>
      withTarget(async (target) => {
        const created = await target.provider.create(input(target, { name: fresh('create') }));
        expect(created.replayed).toBe(false);
        expect(await target.use(created.secret)).toBe(true);
        const key = await listed(target.provider, created.key.id);
        expect(key).toMatchObject({ name: created.key.name, description: 'made by the conformance suite', revokedAt: null });
        expect([...(key?.roles ?? [])].sort()).toEqual([...target.roles.narrow].sort());
        expect(key?.metadata).toMatchObject({ 'managed-by': 'keyplan', 'keyplan-ownership': 'acme/conformance', 'keyplan-owner': 'team a; b=c' });
      }));

    it('edits in place what it declares editable (rename, description, roles, metadata); the secret keeps working', () =>
      withTarget(async (target) => {
        const capabilities = await target.provider.capabilities();
        const created = await target.provider.create(input(target));
        const renamed = fresh('renamed');
        if (capabilities.editableFields.length === 0) {
          // Nothing editable (Keystone): an edit is refused and changes nothing; the plan rotates instead.
          expect(await kindOf(target.provider.update(created.key.id, { description: 'edited', roles: target.roles.broad }, created.key.etag))).toBe('refused');
          expect(await listed(target.provider, created.key.id)).toMatchObject({ description: 'made by the conformance suite' });
          expect(await target.use(created.secret)).toBe(true);
          return;
        }
        const patch = {
          ...(capabilities.editableFields.includes('name') ? { name: renamed } : {}),
          ...(capabilities.editableFields.includes('description') ? { description: 'edited' } : {}),
          ...(capabilities.editableFields.includes('roles') ? { roles: target.roles.broad } : {}),
          ...(capabilities.editableFields.includes('metadata') ? { metadata: { 'managed-by': 'keyplan', 'keyplan-ownership': 'acme/other' } } : {}),
        };
        if (capabilities.editableFields.length === 0) {
          // Nothing is editable (GitLab): every change is a rotation, and an update is refused outright.
          expect(await kindOf(target.provider.update(created.key.id, { description: 'edited' }, created.key.etag))).toBe('refused');
          expect(await target.use(created.secret)).toBe(true);
          return;
        }
        expect(Object.keys(patch).length).toBeGreaterThan(0);
        await target.provider.update(created.key.id, patch, created.key.etag);
        const key = await listed(target.provider, created.key.id);
        expect(key).toMatchObject({ ...(patch.name ? { name: renamed } : {}), ...(patch.description ? { description: 'edited' } : {}) });
        if (patch.roles) expect([...(key?.roles ?? [])].sort()).toEqual([...target.roles.broad].sort());
        if (patch.metadata) expect(key?.metadata).toEqual(patch.metadata);
        expect(await target.use(created.secret)).toBe(true);
      }));

    it('accepts every expiry it declares, counted from creation, and the plan refuses one it does not', () =>
      withTarget(async (target) => {
        const capabilities = await target.provider.capabilities();
        for (const expires of acceptedExpiries(capabilities)) {
          expect(expiryRefusal(expires, capabilities, Date.now())).toBeUndefined();
          const created = await target.provider.create(input(target, { expires }));
          const key = await listed(target.provider, created.key.id);
          if (expires.kind === 'never') expect(key?.expiresAt).toBeNull();
          else if (expires.kind === 'relative' && capabilities.expiryFromCreation) expect(Math.abs((key?.expiresAt ?? 0) - (key?.createdAt ?? 0) - expires.ms)).toBeLessThanOrEqual(SLACK_MS);
        }
        const odd: Expiry = { kind: 'relative', ms: 13 * DAY + 3_600_000, text: '313h' };
        if (capabilities.expiration.mode === 'presets') expect(expiryRefusal(odd, capabilities, Date.now())).toMatch(/accepts/);
      }));

    it('recovers a create repeated with the same idempotency key (a lost answer): one key, a working secret', () =>
      withTarget(async (target) => {
        const capabilities = await target.provider.capabilities();
        const request = input(target);
        const first = await target.provider.create(request);
        const again = await target.provider.create(request);
        expect(again.replayed).toBe(true);
        // Replaced (find-and-replace, or a service that cannot re-issue in place): a new key stands where the first was; else the very same key.
        if (capabilities.createRecovery === 'idempotency-key' || capabilities.reissueInPlace) expect(again.key.id).toBe(first.key.id);
        else if (capabilities.createRecovery === 'find-and-replace') expect(again.key.id).not.toBe(first.key.id);
        expect((await target.provider.list()).filter((key) => key.name === request.name)).toHaveLength(1);
        expect(await target.use(again.secret)).toBe(true);
        // Re-issued in place or replaced: nobody can hold the first secret, and it no longer works.
        if (capabilities.createRecovery !== 'idempotency-key') expect(await target.use(first.secret)).toBe(false);
      }));

    it('revokes: the secret stops working and the key leaves the live list; revoking again is harmless', () =>
      withTarget(async (target) => {
        const capabilities = await target.provider.capabilities();
        const created = await target.provider.create(input(target));
        const revoked = await target.provider.revoke(created.key.id);
        expect(revoked.revokedAt).not.toBeNull();
        expect(await target.use(created.secret)).toBe(false);
        expect(await listed(target.provider, created.key.id)).toBeUndefined();
        const withRevoked = await target.provider.list({ includeRevoked: true });
        expect(withRevoked.some((key) => key.id === created.key.id)).toBe(capabilities.listsRevoked);
        expect(['resolved', 'not-found']).toContain(await kindOf(target.provider.revoke(created.key.id)));
      }));

    it('sees a key revoked out of band: gone from the live list, its secret refused', () =>
      withTarget(async (target) => {
        const created = await target.provider.create(input(target));
        expect(await listed(target.provider, created.key.id)).toBeDefined();
        await target.revokeOutOfBand(created.key.id);
        expect(await listed(target.provider, created.key.id)).toBeUndefined();
        expect(await target.use(created.secret)).toBe(false);
        expect(['resolved', 'not-found']).toContain(await kindOf(target.provider.revoke(created.key.id)));
      }));

    it('records last use within its declared resolution, or (lastUse: not-recorded) never claims any', () =>
      withTarget(async (target) => {
        const { lastUseResolutionMs, lastUse } = await target.provider.capabilities();
        const created = await target.provider.create(input(target));
        if (lastUse === 'not-recorded') {
          expect(await target.use(created.secret)).toBe(true);
          expect((await listed(target.provider, created.key.id))?.lastUsedAt).toBeNull();
          return;
        }
        expect((await listed(target.provider, created.key.id))?.lastUsedAt).toBeNull();
        const before = Date.now();
        expect(await target.use(created.secret)).toBe(true);
        const lastUsedAt = (await listed(target.provider, created.key.id))?.lastUsedAt;
        expect(lastUsedAt).not.toBeNull();
        expect(lastUsedAt as number).toBeGreaterThanOrEqual(before - lastUseResolutionMs - SLACK_MS);
        expect(lastUsedAt as number).toBeLessThanOrEqual(Date.now() + SLACK_MS);
      }));

    it('fails with kinds the engine acts on: an unknown key is not-found', () =>
      withTarget(async (target) => {
        expect(await kindOf(target.provider.update('999999999', { description: 'x' }))).toBe('not-found');
      }));
  });
}
