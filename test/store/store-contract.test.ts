import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { SecretBox } from '../../src/store/shared/secrets.js';
import type { OpenStoreOptions } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/contract.js';
import { BACKENDS, makeBackend, type Backend } from './backends.js';

// The store contract: every test here runs against SQLite and against a real PostgreSQL, so neither can drift.
describe.each(BACKENDS)('Store contract on %s', (backendName) => {
  let backend: Backend;
  let now: number;
  const clock = () => now;
  const open = (options: OpenStoreOptions = {}): Promise<Store> => backend.open({ clock, pepper: 'a-test-pepper-of-enough-bytes', ...options });
  const storedLastUse = (id: string) => backend.stored('keys', 'last_used_at', 'id', id);

  beforeEach(async () => {
    backend = await makeBackend(backendName);
    now = Date.parse('2030-01-01T00:00:00Z');
  });
  afterEach(async () => {
    await backend.dispose();
  });

  it('returns the secret as a redacted Secret that authenticates the key', async () => {
    const store = await open();
    const { key, secret } = await store.createKey({ name: 'a', roles: ['READONLY'] });
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).not.toContain('kp_');
    const auth = await store.authenticate(secret.reveal());
    expect(auth).toMatchObject({ ok: true, key: { id: key.id }, permissions: ['keys:read', 'roles:read'] });
    expect(await store.authenticate(`${secret.reveal()}x`)).toEqual({ ok: false, reason: 'unknown' });
    await store.revokeKey(key.id);
    expect(await store.authenticate(secret.reveal())).toEqual({ ok: false, reason: 'revoked' });
  });

  it('authenticates again from an earlier answer as authenticate would now: changed roles, expiry, revocation', async () => {
    const store = await open();
    const { key, secret } = await store.createKey({ name: 'again', roles: ['READONLY'], expiresIn: '30d' });
    const first = await store.authenticate(secret.reveal());
    expect(first.ok).toBe(true);
    now += 1_000;
    expect(await store.authenticateAgain(first)).toEqual(await store.authenticate(secret.reveal()));
    expect((await store.getKey(key.id))?.lastUsedAt).toBe(now);
    await store.updateKey(key.id, { roles: ['ADMIN'] });
    const promoted = await store.authenticateAgain(first);
    expect(promoted).toMatchObject({ ok: true, key: { id: key.id, roles: ['ADMIN'] }, permissions: ['*'] });
    expect(promoted).toEqual(await store.authenticate(secret.reveal()));
    // An answer of authenticateAgain serves as well as the first one.
    expect(await store.authenticateAgain(promoted)).toEqual(promoted);
    now += 30 * 86_400_000;
    expect(await store.authenticateAgain(first)).toEqual({ ok: false, reason: 'expired' });
    now -= 30 * 86_400_000;
    await store.revokeKey(key.id);
    expect(await store.authenticateAgain(first)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('sees a key revoked by another store on the same database within a second, and its own changes at once', async () => {
    const a = await open();
    const b = await open();
    const { key, secret } = await a.createKey({ name: 'shared', roles: ['READONLY'] });
    const first = await a.authenticate(secret.reveal());
    expect(first.ok).toBe(true);
    await b.revokeKey(key.id);
    // a answers from the row it looked up less than a second ago, again and by the earlier answer...
    expect((await a.authenticate(secret.reveal())).ok).toBe(true);
    expect((await a.authenticateAgain(first)).ok).toBe(true);
    now += 1_000;
    // ...and reads the row again after that.
    expect(await a.authenticate(secret.reveal())).toEqual({ ok: false, reason: 'revoked' });
    expect(await a.authenticateAgain(first)).toEqual({ ok: false, reason: 'revoked' });
    expect(await a.verify(secret.reveal())).toEqual({ valid: false, reason: 'revoked' });
    const other = await a.createKey({ name: 'own', roles: ['READONLY'] });
    expect((await a.authenticate(other.secret.reveal())).ok).toBe(true);
    await a.updateKey(other.key.id, { roles: ['ADMIN'] });
    expect(await a.authenticate(other.secret.reveal())).toMatchObject({ ok: true, permissions: ['*'] });
  });

  it('treats anything but its own successful answer as an unknown key when authenticating again', async () => {
    const store = await open();
    const { key } = await store.createKey({ name: 'forged', roles: ['ADMIN'] });
    const failed = await store.authenticate('kp_not-a-key');
    expect(await store.authenticateAgain(failed)).toEqual({ ok: false, reason: 'unknown' });
    // Copying a successful answer's fields does not copy the secret behind it.
    const forged = { ok: true as const, key: (await store.getKey(key.id))!, permissions: ['*'] };
    expect(await store.authenticateAgain(forged)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('replays a create with the same idempotency key, and refuses the key for a different request', async () => {
    const store = await open();
    const input = { name: 'deployer', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' }, idempotencyKey: 'apply-1' };
    const first = await store.createKey(input);
    const second = await store.createKey({ ...input, metadata: { 'managed-by': 'keyplan' } });
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    expect(second.key.id).toBe(first.key.id);
    expect(second.secret.reveal()).toBe(first.secret.reveal());
    await expect(store.createKey({ ...input, description: 'other' })).rejects.toThrow(StoreError);
    expect(await backend.count('keys')).toBe(1);
  });

  it('replays after a restart, and forgets (purges) the sealed secret after 24 hours', async () => {
    let store = await open();
    const input = { name: 'later', roles: [], idempotencyKey: 'k' };
    const first = await store.createKey(input);
    await store.close();
    store = await open();
    now += 23 * 3_600_000;
    expect((await store.createKey(input)).secret.reveal()).toBe(first.secret.reveal());
    now += 2 * 3_600_000;
    await expect(store.createKey(input)).rejects.toThrow(/already exists/);
    expect(await backend.count('idempotency')).toBe(0);
  });

  it('writes last use at most once a minute per key, shows the newest at once, and flushes on close', async () => {
    let store = await open();
    const { key, secret } = await store.createKey({ name: 'used', roles: [] });
    const first = now;
    await store.authenticate(secret.reveal());
    await store.flush(); // the first use is written at once; flush waits for a write in flight
    expect(await storedLastUse(key.id)).toBe(first);
    now += 30_000;
    await store.verify(secret.reveal());
    expect(await storedLastUse(key.id)).toBe(first);
    expect((await store.getKey(key.id))?.lastUsedAt).toBe(now);
    expect((await store.listKeys({ limit: 10 })).keys[0]?.lastUsedAt).toBe(now);
    now += 31_000;
    await store.flush();
    expect(await storedLastUse(key.id)).toBe(now - 31_000);
    const last = now;
    now += 1000;
    await store.authenticate(secret.reveal());
    await store.close();
    expect(await storedLastUse(key.id)).toBe(last + 1000);
    store = await open();
    expect((await store.getKey(key.id))?.lastUsedAt).toBe(last + 1000);
  });

  it('never moves last use backwards when two stores write it', async () => {
    const a = await open({ lastUseWriteIntervalMs: 0 });
    const b = await open({ lastUseWriteIntervalMs: 0 });
    const { key, secret } = await a.createKey({ name: 'shared', roles: [] });
    const later = now + 60_000;
    now = later;
    await a.authenticate(secret.reveal());
    await a.flush();
    now -= 30_000; // b's clock is behind, or its write arrives late
    await b.authenticate(secret.reveal());
    await b.flush();
    expect(await storedLastUse(key.id)).toBe(later);
  });

  it('checks versions on update and keeps the version on no-op edits', async () => {
    const store = await open();
    const { key } = await store.createKey({ name: 'v', roles: [] });
    expect((await store.updateKey(key.id, { description: 'd' }, { ifVersion: 1 })).version).toBe(2);
    await expect(store.updateKey(key.id, { description: 'e' }, { ifVersion: 1 })).rejects.toMatchObject({ code: 'precondition_failed' });
    expect((await store.updateKey(key.id, { description: 'd' })).version).toBe(2);
    await store.revokeKey(key.id);
    await expect(store.updateKey(key.id, { description: 'f' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.updateKey('key_nope', { description: 'f' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps names unique among active keys, and frees a name when its key is revoked', async () => {
    const store = await open();
    const { key } = await store.createKey({ name: 'unique', roles: [] });
    await expect(store.createKey({ name: 'unique', roles: [] })).rejects.toMatchObject({ code: 'conflict', details: { id: key.id } });
    const other = await store.createKey({ name: 'other', roles: [] });
    await expect(store.updateKey(other.key.id, { name: 'unique' })).rejects.toMatchObject({ code: 'conflict' });
    await store.revokeKey(key.id);
    expect((await store.createKey({ name: 'unique', roles: [] })).key.id).not.toBe(key.id);
  });

  it('honours the configured editable fields and expiration presets', async () => {
    const store = await open({ capabilities: { editableFields: ['description'], expiration: { mode: 'presets', presets: ['30d', '90d'] } } });
    await expect(store.createKey({ name: 'p', roles: [] })).rejects.toThrow(/keys must expire; accepted: 30d, 90d/);
    await expect(store.createKey({ name: 'p', roles: [], expiresIn: '45d' })).rejects.toThrow(/accepted: 30d, 90d/);
    const { key } = await store.createKey({ name: 'p', roles: [], expiresIn: '90d' });
    expect(key.expiresAt).toBe(now + 90 * 86_400_000);
    await expect(store.updateKey(key.id, { name: 'q' })).rejects.toThrow(/not editable/);
    expect(store.capabilities()).toEqual({ editableFields: ['description'], expiration: { mode: 'presets', presets: ['30d', '90d'] }, metadata: true });
  });

  it('lists keys page by page in creation order, every field read back, revoked keys only on request', async () => {
    const store = await open();
    const created = [];
    for (const [i, name] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      now += 1000;
      created.push((await store.createKey({ name, description: `key ${name}`, roles: i % 2 ? ['ADMIN', 'READONLY'] : [], metadata: { n: String(i) } })).key);
    }
    await store.revokeKey(created[1]?.id as string);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listKeys({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.keys.length).toBeLessThanOrEqual(2);
      seen.push(...page.keys.map((key) => key.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['a', 'c', 'd', 'e']);

    const all = await store.listKeys({ limit: 10, includeRevoked: true });
    expect(all.nextCursor).toBeNull();
    expect(all.keys.map((key) => key.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(all.keys[3]).toEqual(await store.getKey(created[3]?.id as string));
    expect(all.keys[3]).toMatchObject({ description: 'key d', roles: ['ADMIN', 'READONLY'], metadata: { n: '3' }, expiresAt: null, lastUsedAt: null, version: 1 });
    expect(all.keys[1]?.revokedAt).toBe(now);
  });

  it('records events and rotates the shared secret, keeping only its hash', async () => {
    const store = await open();
    expect(await store.sharedSecret()).toEqual({ exists: false });
    const rotated = await store.rotateSharedSecret({ actor: 'bootstrap' });
    expect(await store.sharedSecretMatches(rotated.secret.reveal())).toBe(true);
    expect(await store.sharedSecretMatches(`${rotated.secret.reveal()}x`)).toBe(false);
    expect(await store.sharedSecret()).toMatchObject({ exists: true, prefix: rotated.prefix, rotatedAt: now });
    const { key } = await store.createKey({ name: 'evented', roles: ['READONLY'], actor: 'bootstrap' });
    await store.updateKey(key.id, { description: 'x' });
    await store.revokeKey(key.id);
    const first = await store.listEvents({ limit: 2 });
    const rest = await store.listEvents({ limit: 10, cursor: first.nextCursor as string });
    expect([...first.events, ...rest.events].map((event) => event.action)).toEqual(['shared_secret.rotated', 'key.created', 'key.updated', 'key.revoked']);
    expect(rest.events[0]).toMatchObject({ actor: 'local', keyId: key.id, details: { changed: ['description'] } });
    expect(rest.nextCursor).toBeNull();
  });

  it('seals a replay copy under the calling credential: only that caller can replay it, the pepper opens nothing', async () => {
    const store = await open();
    const input = { name: 'sealed', roles: ['READONLY'], idempotencyKey: 'seal-1', actor: 'key_CALLER', replayCredential: 'kp_the-callers-own-secret-0123456789' };
    const first = await store.createKey(input);
    expect((await store.createKey(input)).secret.reveal()).toBe(first.secret.reveal());
    await expect(store.createKey({ ...input, replayCredential: 'kp_someone-else-0123456789abcdef' })).rejects.toMatchObject({ code: 'conflict', details: { state: 'sealed' } });
    const sealed = (await backend.stored('idempotency', 'sealed_secret', 'key_id', first.key.id)) as Buffer;
    const box = SecretBox.forPepper(Buffer.from('a-test-pepper-of-enough-bytes'));
    expect(box.open(sealed, JSON.stringify(['key_CALLER', 'seal-1', first.key.id]))).toBeUndefined();
    expect(sealed.includes(Buffer.from(first.secret.reveal()))).toBe(false);
    await store.revokeKey(first.key.id);
    await expect(store.createKey(input)).rejects.toMatchObject({ code: 'conflict', details: { state: 'revoked' } });
    expect(((await backend.stored('idempotency', 'sealed_secret', 'key_id', first.key.id)) as Buffer).length).toBe(0);
  });

  it('lets a caller change or revoke only keys within its own permissions, and records before and after', async () => {
    const store = await open();
    const admin = (await store.createKey({ name: 'admin', roles: ['ADMIN'] })).key;
    const reader = (await store.createKey({ name: 'reader', roles: ['READONLY'] })).key;
    const within = ['keys:read', 'keys:update', 'keys:revoke', 'roles:read'];
    await expect(store.updateKey(admin.id, { description: 'x' }, { within })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(store.revokeKey(admin.id, { within })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(store.updateKey(reader.id, { roles: ['ADMIN'] }, { within })).rejects.toMatchObject({ code: 'forbidden' });
    await store.updateKey(reader.id, { description: 'reads' }, { within, actor: 'key_X' });
    const { events } = await store.listEvents({ limit: 10 });
    expect(events.at(-1)).toMatchObject({ action: 'key.updated', details: { changed: ['description'], before: { description: '' }, after: { description: 'reads' } } });
  });

  it('stores names in NFC, so two spellings of one name are one name', async () => {
    const store = await open();
    const composed = await store.createKey({ name: 'caf\u00e9', roles: [] });
    expect(composed.key.name).toBe('caf\u00e9');
    await expect(store.createKey({ name: 'cafe\u0301', roles: [] })).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.createKey({ name: 'ro1\u200b', roles: [] })).rejects.toMatchObject({ code: 'unprocessable' });
  });
});
