import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { makePlan } from '../../src/core/plan.js';
import type { DesiredKey } from '../../src/core/model.js';
import type { Secret } from '../../src/core/secret.js';
import { applyPlan, type ApplyContext } from '../../src/engine/apply.js';
import { SecretDelivery } from '../../src/engine/deliver.js';
import { Journal } from '../../src/engine/journal.js';
import { readSnapshots } from '../../src/engine/providers.js';
import { LocalProvider } from '../../src/providers/local/local.js';
import type { CreateKeyInput, CreatedKey, Provider, UpdateKeyInput } from '../../src/providers/provider.js';
import { desiredKey, desiredState, remoteFor, remoteKey, snapshot } from '../core/builders.js';

/** The real local provider, with faults injected and every call recorded. */
class FaultyProvider implements Provider {
  readonly name = 'default';
  readonly description = 'faulty local store';
  readonly calls: string[] = [];
  readonly secrets: Secret[] = [];
  dropNextCreateResponse = false;
  failCreatesOf = new Set<string>();
  refusalStatus = 500;

  constructor(readonly inner: LocalProvider) {}
  capabilities() {
    return this.inner.capabilities();
  }
  roles() {
    return this.inner.roles();
  }
  list() {
    return this.inner.list();
  }
  async create(input: CreateKeyInput): Promise<CreatedKey> {
    this.calls.push(`create ${input.name}`);
    if (this.failCreatesOf.has(input.name)) throw new ProviderError(`refused ${input.name}`, this.refusalStatus);
    const created = await this.inner.create(input);
    this.secrets.push(created.secret);
    if (this.dropNextCreateResponse) {
      this.dropNextCreateResponse = false;
      throw new ProviderError('the connection was reset after the key service committed the create');
    }
    return created;
  }
  update(id: string, patch: UpdateKeyInput, etag?: string) {
    this.calls.push(`update ${patch.name ?? id}`);
    return this.inner.update(id, patch, etag);
  }
  revoke(id: string) {
    this.calls.push(`revoke ${id}`);
    return this.inner.revoke(id);
  }
  close() {
    return this.inner.close();
  }
}

let dir: string;
let provider: FaultyProvider;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-apply-'));
  provider = new FaultyProvider(LocalProvider.open({ name: 'default', path: join(dir, 'keys.db'), pepper: 'test-pepper-of-32-bytes-or-more!!' }));
});

afterEach(async () => {
  await provider.close();
  await rm(dir, { recursive: true, force: true });
});

function keyDelivered(name: string, extra: Partial<DesiredKey> = {}): DesiredKey {
  return desiredKey({ name, deliver: [{ type: 'file', path: join(dir, 'secrets.env'), format: 'dotenv', var: `${name.toUpperCase()}_KEY` }], ...extra });
}

async function context(): Promise<ApplyContext> {
  return {
    providers: new Map([['default', provider]]),
    journal: await Journal.open(join(dir, '.keyplan', 'journal.json')),
    delivery: new SecretDelivery(join(dir, '.keyplan', 'recovery.env')),
    parallelism: 4,
    now: Date.now(),
  };
}

/** Plans `keys` against the store and what the journal holds, as `keyplan apply` does, and applies. */
async function applyDesired(keys: DesiredKey[], given?: ApplyContext) {
  const ctx = given ?? (await context());
  const plan = makePlan(desiredState(keys), await readSnapshots(new Map([['default', provider]])), Date.now(), ctx.journal.pending());
  return applyPlan(plan, ctx);
}

describe('apply engine', () => {
  it('creates keys and delivers each secret to its file, mode 0600', async () => {
    const outcomes = await applyDesired([keyDelivered('a'), keyDelivered('b')]);
    expect(outcomes.map((o) => [o.kind, o.name, o.status])).toEqual([
      ['create', 'a', 'done'],
      ['create', 'b', 'done'],
    ]);
    const file = await readFile(join(dir, 'secrets.env'), 'utf8');
    for (const secret of provider.secrets) expect(file).toContain(secret.reveal());
    expect((await stat(join(dir, 'secrets.env'))).mode & 0o777).toBe(0o600);
  });

  it('loses no secret and makes no duplicate when a create response is dropped after the commit', async () => {
    provider.dropNextCreateResponse = true;
    const first = await applyDesired([keyDelivered('a')]);
    expect(first[0]?.status).toBe('failed');
    const lost = provider.secrets[0] as Secret;

    const ctx = await context();
    expect(ctx.journal.pending().map((p) => p.spec.name)).toEqual(['a']);
    const resumed = await applyDesired([keyDelivered('a')], ctx);
    expect(resumed.map((o) => [o.kind, o.status])).toEqual([['finish', 'done']]);
    expect(await readFile(join(dir, 'secrets.env'), 'utf8')).toContain(`A_KEY=${lost.reveal()}`);
    expect((await provider.list()).map((k) => k.name)).toEqual(['a']);
    expect(ctx.journal.pending()).toEqual([]);
    expect(await applyDesired([keyDelivered('a')])).toEqual([]);
  });

  it('keeps a create whose outcome is unknown in the journal, and drops one the service refused', async () => {
    provider.failCreatesOf.add('a');
    const unknown = await context();
    await applyPlan(makePlan(desiredState([keyDelivered('a')]), await readSnapshots(new Map([['default', provider]])), Date.now()), unknown);
    expect(unknown.journal.pending().map((p) => p.spec.name)).toEqual(['a']);

    provider.refusalStatus = 422;
    const refused = await context();
    await applyDesired([keyDelivered('a')], refused);
    expect(refused.journal.pending()).toEqual([]);
    expect((await Journal.open(refused.journal.path)).pending()).toEqual([]);
  });

  it('delivers a resumed secret where keys.yaml points now, not where the journal recorded', async () => {
    provider.dropNextCreateResponse = true;
    await applyDesired([keyDelivered('a')]);
    await applyDesired([keyDelivered('a', { deliver: [{ type: 'file', path: join(dir, 'fixed.env'), format: 'dotenv', var: 'FIXED' }] })]);
    expect(await readFile(join(dir, 'fixed.env'), 'utf8')).toBe(`FIXED=${(provider.secrets[0] as Secret).reveal()}\n`);
  });

  it('keeps the old key and saves the secret to a 0600 recovery file when a rotation cannot deliver', async () => {
    await applyDesired([keyDelivered('a')]);
    const [old] = await provider.list();
    await writeFile(join(dir, 'blocker'), 'a regular file, so nothing can be created below it');
    const rotated = keyDelivered('a', {
      roles: ['ADMIN'],
      deliver: [{ type: 'file', path: join(dir, 'blocker', 'secrets.env'), format: 'dotenv', var: 'A_KEY' }],
    });
    const capabilities = await provider.capabilities();
    capabilities.editableFields = capabilities.editableFields.filter((f) => f !== 'roles');
    const plan = makePlan(desiredState([rotated]), { default: { keys: await provider.list(), capabilities, roles: await provider.roles() } }, Date.now());
    const [outcome] = await applyPlan(plan, await context());

    expect(outcome).toMatchObject({ kind: 'rotate', status: 'failed', recoveryFile: expect.stringContaining('recovery.env') });
    expect(outcome?.message).toContain(`the old key ${old?.id} is kept`);
    const live = await provider.list();
    expect(live.map((k) => k.id)).toContain(old?.id);
    const secret = (provider.secrets.at(-1) as Secret).reveal();
    expect(await readFile(join(dir, '.keyplan', 'recovery.env'), 'utf8')).toContain(secret);
    expect((await stat(join(dir, '.keyplan', 'recovery.env'))).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(outcome)).not.toContain(secret);
  });

  it('runs creates, then rotations, then revokes, and skips revokes after a failure', async () => {
    await applyDesired([keyDelivered('old'), keyDelivered('rot', { description: 'v1' })]);
    provider.calls.length = 0;
    provider.failCreatesOf.add('new');
    const outcomes = await applyDesired([keyDelivered('new'), keyDelivered('rot', { description: 'v2' })]);
    expect(outcomes.map((o) => [o.kind, o.name, o.status])).toEqual([
      ['create', 'new', 'failed'],
      ['update', 'rot', 'done'],
      ['revoke', 'old', 'skipped'],
    ]);
    expect(provider.calls.some((c) => c.startsWith('revoke'))).toBe(false);
  });
});

describe('apply engine at scale', () => {
  /** The store's capabilities, roles and listing; edits answered at once and only counted: the engine's own bookkeeping is under test. */
  class InstantProvider extends FaultyProvider {
    updates = 0;
    revokes = 0;
    override async update(id: string) {
      this.updates += 1;
      return remoteKey({ id });
    }
    override async revoke(id: string) {
      this.revokes += 1;
      return remoteKey({ id, revokedAt: Date.now() });
    }
  }

  it('carries out 130,000 updates and 130,000 revokes (collecting their outcomes in one push overflowed the stack)', async () => {
    const count = 130_000;
    const declared = Array.from({ length: count }, (_, i) => desiredKey({ name: `Kept_${i}`, description: 'new text' }));
    const remote = [
      ...declared.map((key, i) => remoteFor(key, { id: `key_kept_${i}`, description: 'old text' })),
      ...Array.from({ length: count }, (_, i) => remoteKey({ id: `key_gone_${i}`, name: `Gone_${i}`, metadata: { 'managed-by': 'keyplan' } })),
    ];
    const instant = new InstantProvider(provider.inner);
    const plan = makePlan(desiredState(declared), { default: snapshot(remote) }, Date.now());
    const ctx = { ...(await context()), providers: new Map([['default', instant]]), parallelism: 64 };
    const outcomes = await applyPlan(plan, ctx);
    expect(outcomes).toHaveLength(2 * count);
    expect(outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(instant.revokes).toBe(count);
  }, 120_000);
});
