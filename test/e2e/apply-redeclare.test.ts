import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import {
  activeByName,
  activeKeys,
  allKeys,
  apply,
  expectExit,
  expectRevoked,
  httpTarget,
  localTarget,
  secretIn,
  sweepFiles,
  whoami,
  writeConfig,
  type ApplyTarget,
} from './helpers/apply-world.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const SINK = 'secrets/svc.env';

function svc(overrides: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return {
    name: 'Svc',
    description: 'Serves the catalogue',
    roles: ['READONLY'],
    deliver: [{ type: 'file', path: SINK, format: 'dotenv', var: 'SVC_KEY' }],
    ...overrides,
  };
}

function other(): KeysYamlKey {
  return { name: 'Other', description: 'Keeps the provider non-empty', roles: ['READONLY'], deliver: [{ type: 'file', path: 'secrets/other.env', format: 'dotenv', var: 'OTHER_KEY' }] };
}

async function planText(ws: E2eWorkspace, target: ApplyTarget): Promise<string> {
  const planned = await expectExit(ws.run(['plan', '--detailed-exitcode'], { env: { KP_E2E_TOKEN: target.service.adminKey } }), 2);
  return planned.stdout;
}

/** Svc (and Other) applied: Svc's key and its secret. */
async function started(ws: E2eWorkspace, target: ApplyTarget, overrides: Partial<KeysYamlKey> = {}) {
  await writeConfig(ws, target, [svc(overrides), other()]);
  await expectExit(apply(ws, target), 0);
  return { target, first: await activeByName(target.service, 'Svc'), firstSecret: await secretIn(ws, SINK, 'SVC_KEY') };
}

/** Apply after the block came back: a new key with a new, working secret, and the next plan is empty. */
async function expectFreshKey(ws: E2eWorkspace, target: ApplyTarget, deadSecret: string, deadId: string): Promise<void> {
  const applied = await expectExit(apply(ws, target), 0);
  const fresh = await activeByName(target.service, 'Svc');
  expect(fresh.id).not.toBe(deadId);
  expect(applied.stdout).toContain(fresh.id);
  expect(applied.stdout).not.toContain(`created main/Svc (${deadId})`);
  const secret = await secretIn(ws, SINK, 'SVC_KEY');
  expect(secret).not.toBe(deadSecret);
  expect(await whoami(target.service, secret)).toEqual({ status: 200, name: 'Svc' });
  await expectRevoked(target, deadSecret);
  const after = await expectExit(ws.run(['plan', '--detailed-exitcode'], { env: { KP_E2E_TOKEN: target.service.adminKey } }), 0);
  expect(after.stdout).toContain('No changes');
  await sweepFiles(ws, [SINK, 'secrets/other.env']);
}

describe.each([
  ['local', (ws: E2eWorkspace) => localTarget(ws)],
  ['http', async (ws: E2eWorkspace) => httpTarget(await ws.startKeyService())],
])('a key declared again after a revoke (%s provider)', (_kind, makeTarget) => {
  const workspace = useWorkspace();

  it('removed, applied, restored (git revert) and applied again: a new key with a new secret', async () => {
    const ws = workspace();
    const { target, first, firstSecret } = await started(ws, await makeTarget(ws));

    await writeConfig(ws, target, [other()]);
    const removed = await expectExit(apply(ws, target), 0);
    expect(removed.stdout).toContain('1 revoked');
    expect((await activeKeys(target.service)).map((k) => k.name)).toEqual(['Other']);

    await writeConfig(ws, target, [svc(), other()]);
    const plan = await planText(ws, target);
    expect(plan).toContain('+ create Svc');
    expect(plan).toMatch(new RegExp(`${first.id} named Svc was revoked by keyplan .* ago`));
    await expectFreshKey(ws, target, firstSecret, first.id);
  });

  it('revoked outside keyplan while declared: the plan says so, and apply makes a new key', async () => {
    const ws = workspace();
    const { target, first, firstSecret } = await started(ws, await makeTarget(ws));
    await target.service.revokeKey(first.id);

    const plan = await planText(ws, target);
    expect(plan).toMatch(new RegExp(`${first.id} named Svc was revoked .* ago outside keyplan`));
    await expectFreshKey(ws, target, firstSecret, first.id);
  });

  it('a rotation of a key revoked out of band becomes a create with a new secret', async () => {
    const ws = workspace();
    const { target, first, firstSecret } = await started(ws, await makeTarget(ws), { expires: '30d' });
    await target.service.revokeKey(first.id);

    // The expiry cannot be edited in place: against the live key this would be a rotation.
    await writeConfig(ws, target, [svc({ expires: '60d' }), other()]);
    const plan = await planText(ws, target);
    expect(plan).toContain('+ create Svc');
    expect(plan).toContain('Plan: 1 to create, 0 to update, 0 to rotate, 0 to revoke.');
    await expectFreshKey(ws, target, firstSecret, first.id);
  });

  it('a renamed key reverted to its old name: the old secret is not handed back', async () => {
    const ws = workspace();
    const { target, first, firstSecret } = await started(ws, await makeTarget(ws));

    await writeConfig(ws, target, [svc({ name: 'Svc2', renamed_from: ['Svc'] }), other()]);
    await expectExit(apply(ws, target), 0);
    expect(await activeByName(target.service, 'Svc2')).toMatchObject({ id: first.id });

    // git revert: Svc again, no renamed_from. Svc2 is no longer declared and is revoked; Svc is created.
    await writeConfig(ws, target, [svc(), other()]);
    await expectExit(apply(ws, target), 0);
    const revoked = (await allKeys(target.service)).find((k) => k.id === first.id);
    expect(revoked?.revoked_at).not.toBeNull();
    const fresh = await activeByName(target.service, 'Svc');
    expect(fresh.id).not.toBe(first.id);
    const secret = await secretIn(ws, SINK, 'SVC_KEY');
    expect(secret).not.toBe(firstSecret);
    expect(await whoami(target.service, secret)).toEqual({ status: 200, name: 'Svc' });
    await sweepFiles(ws, [SINK, 'secrets/other.env']);
  });
});
