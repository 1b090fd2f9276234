import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/plan.js';
import { applyPlan } from '../../src/engine/apply.js';
import { SecretDelivery } from '../../src/engine/deliver.js';
import { Journal } from '../../src/engine/journal.js';
import { readSnapshots } from '../../src/engine/providers.js';
import { LocalProvider } from '../../src/providers/local/local.js';
import type { CreateKeyInput, CreatedKey, Provider } from '../../src/providers/provider.js';
import { desiredKey, desiredState } from '../core/builders.js';

/** A provider whose create answers with a key that is not live (as a replaying key service might). */
function answeringWith(inner: LocalProvider, spoil: (created: CreatedKey) => CreatedKey): Provider {
  return Object.assign(Object.create(inner) as Provider, {
    create: async (input: CreateKeyInput) => spoil(await inner.create(input)),
    list: inner.list.bind(inner),
    capabilities: inner.capabilities.bind(inner),
    roles: inner.roles.bind(inner),
    update: inner.update.bind(inner),
    revoke: inner.revoke.bind(inner),
  });
}

let dir: string;
let local: LocalProvider;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-live-'));
  local = LocalProvider.open({ name: 'default', path: join(dir, 'keys.db'), pepper: 'test-pepper-of-32-bytes-or-more!!' });
});

afterEach(async () => {
  await local.close();
  await rm(dir, { recursive: true, force: true });
});

async function applyWith(provider: Provider) {
  const providers = new Map([['default', provider]]);
  const key = desiredKey({ name: 'Svc', deliver: [{ type: 'file', path: join(dir, 'svc.env'), format: 'dotenv', var: 'SVC_KEY' }] });
  const plan = makePlan(desiredState([key]), await readSnapshots(providers), Date.now());
  const journal = await Journal.open(join(dir, 'journal.json'));
  const outcomes = await applyPlan(plan, { providers, journal, delivery: new SecretDelivery(join(dir, 'recovery.env')), parallelism: 1, now: Date.now() });
  return { outcomes, journal };
}

describe('the engine delivers a secret only for a live key', () => {
  it.each([
    ['revoked', (c: CreatedKey) => ({ ...c, replayed: true, key: { ...c.key, revokedAt: Date.now() - 1000 } }), 'replaying an earlier create'],
    ['expired', (c: CreatedKey) => ({ ...c, key: { ...c.key, expiresAt: Date.now() - 1000 } }), 'expired'],
    ['named otherwise', (c: CreatedKey) => ({ ...c, key: { ...c.key, name: 'Svc2' } }), 'is named Svc2'],
  ])('a create answered with a %s key fails, delivers nothing and leaves nothing to resume', async (_kind, spoil, says) => {
    const { outcomes, journal } = await applyWith(answeringWith(local, spoil));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ kind: 'create', name: 'Svc', status: 'failed' });
    expect(outcomes[0]?.message).toContain(says);
    expect(outcomes[0]?.message).toContain('its secret was not delivered');
    await expect(readFile(join(dir, 'svc.env'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(join(dir, 'recovery.env'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(journal.pending()).toEqual([]);
  });

  it('a live key is delivered', async () => {
    const { outcomes } = await applyWith(local);
    expect(outcomes[0]).toMatchObject({ status: 'done' });
    expect(await readFile(join(dir, 'svc.env'), 'utf8')).toMatch(/^SVC_KEY=kp_/m);
  });
});
