import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BootstrapCredential, identifyAgain, identifyCaller } from '../../src/server/caller.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const ADMIN = 'caller-test-bootstrap-admin-key-0123456789';
const NOW = Date.UTC(2026, 5, 1);
let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-caller-'));
  store = SqliteStore.open(join(dir, 'keys.db'), { pepper: 'cd'.repeat(32), clock: () => NOW });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('identifyAgain (after a request body arrived)', () => {
  it('keeps the bootstrap credential, which cannot be revoked', async () => {
    const bootstrap = new BootstrapCredential(ADMIN);
    const caller = await identifyCaller(ADMIN, store, bootstrap);
    expect(caller?.bootstrap).toBe(true);
    expect(await identifyAgain(caller!, ADMIN, store)).toEqual(await identifyCaller(ADMIN, store, bootstrap));
  });

  it('sees a key revoked or given other roles meanwhile, as identifyCaller does', async () => {
    const bootstrap = new BootstrapCredential(ADMIN);
    const { key, secret } = await store.createKey({ name: 'reader', roles: ['READONLY'] });
    const caller = await identifyCaller(secret.reveal(), store, bootstrap);
    expect(caller?.permissions).toEqual(store.permissionsOf(['READONLY']));
    await store.updateKey(key.id, { roles: ['ADMIN'] });
    const again = await identifyAgain(caller!, secret.reveal(), store);
    expect(again).toEqual(await identifyCaller(secret.reveal(), store, bootstrap));
    expect(again?.permissions).toEqual(store.permissionsOf(['ADMIN']));
    await store.revokeKey(key.id);
    expect(await identifyAgain(caller!, secret.reveal(), store)).toBeUndefined();
    expect(await identifyCaller(secret.reveal(), store, bootstrap)).toBeUndefined();
  });
});

describe('identifyAgain and the secret hash', () => {
  it('asks the store about the same secret again without handing it the token', async () => {
    const bootstrap = new BootstrapCredential(ADMIN);
    const { secret } = await store.createKey({ name: 'gateway', roles: ['READONLY'] });
    const caller = await identifyCaller(secret.reveal(), store, bootstrap);
    const authenticate = vi.spyOn(store, 'authenticate');
    const again = await identifyAgain(caller!, secret.reveal(), store);
    expect(authenticate).not.toHaveBeenCalled();
    expect(again).toEqual(caller);
    // A caller made elsewhere (no store answer behind it) is identified from its token.
    const copy = { ...caller! };
    expect(await identifyAgain(copy, secret.reveal(), store)).toEqual(caller);
    expect(authenticate).toHaveBeenCalledTimes(1);
  });

  it('tells the bootstrap credential from other tokens, of any length', () => {
    const bootstrap = new BootstrapCredential(ADMIN);
    expect(bootstrap.matches(ADMIN)).toBe(true);
    for (const other of ['', `${ADMIN}x`, ADMIN.slice(0, -1), ADMIN.toUpperCase(), 'kp_abc']) expect(bootstrap.matches(other)).toBe(false);
    expect(new BootstrapCredential(`${ADMIN}-other`).matches(ADMIN)).toBe(false);
  });
});

describe('Store.permissionsOf', () => {
  it('answers the same, sorted and unshared, when asked again', () => {
    const first = store.permissionsOf(['READONLY', 'ADMIN']);
    expect(first).toEqual([...new Set(store.roles().filter((r) => ['READONLY', 'ADMIN'].includes(r.name)).flatMap((r) => r.permissions))].sort());
    first.push('mutated');
    expect(store.permissionsOf(['READONLY', 'ADMIN'])).not.toContain('mutated');
  });
});
