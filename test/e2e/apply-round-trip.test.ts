import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import {
  TOKEN_ENV,
  activeByName,
  activeKeys,
  allKeys,
  apply,
  expectExit,
  expectRevoked,
  fileMode,
  httpTarget,
  localTarget,
  secretIn,
  sweepFiles,
  whoami,
  writeConfig,
  type ApplyTarget,
} from './helpers/apply-world.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const SINK = 'secrets/app.env';
const SECRETS_OUT = 'out/all-secrets.json';

function alpha(overrides: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return {
    name: 'Alpha',
    description: 'Reads invoices',
    roles: ['READONLY'],
    expires: '30d',
    deliver: [{ type: 'file', path: SINK, format: 'dotenv', var: 'ALPHA_KEY' }],
    ...overrides,
  };
}

function beta(overrides: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name: 'Beta', description: 'Exports reports', roles: ['READONLY'], ...overrides };
}

/** create -> no-op -> update -> rotate -> revoke -> no-op, checking the service and the secrets after each step. */
async function roundTrip(ws: E2eWorkspace, target: ApplyTarget): Promise<void> {
  const { service } = target;

  // create: Alpha delivers to its own file, Beta (no deliver) only to --secrets-out.
  await writeConfig(ws, target, [alpha(), beta()]);
  const created = await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
  expect(created.stdout).toContain('Apply complete: 2 created, 0 updated, 0 rotated, 0 revoked.');
  expect(await fileMode(ws.path(SINK))).toBe(0o600);
  expect(await fileMode(ws.path(SECRETS_OUT))).toBe(0o600);
  const alphaSecret = await secretIn(ws, SINK, 'ALPHA_KEY');
  const betaSecret = await secretIn(ws, SECRETS_OUT, 'BETA');
  expect(await secretIn(ws, SECRETS_OUT, 'ALPHA')).toBe(alphaSecret);
  expect(await whoami(service, alphaSecret)).toEqual({ status: 200, name: 'Alpha' });
  expect(await whoami(service, betaSecret)).toEqual({ status: 200, name: 'Beta' });
  const alphaKey = await activeByName(service, 'Alpha');
  const betaKey = await activeByName(service, 'Beta');
  expect(alphaKey).toMatchObject({ description: 'Reads invoices', roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' } });
  expect(alphaKey.expires_at).not.toBeNull();

  // a second apply changes nothing
  const again = await expectExit(apply(ws, target), 0);
  expect(again.stdout).toContain('No changes');
  expect(await allKeys(service)).toHaveLength(2);

  // update in place: same ids, same secrets
  await writeConfig(ws, target, [alpha({ description: 'Reads and lists invoices' }), beta({ roles: ['ADMIN'] })]);
  const updated = await expectExit(apply(ws, target, ['--auto-approve', '--format', 'json']), 0);
  const report = JSON.parse(updated.stdout) as { success: boolean; actions: { action: string; name: string; status: string; key_id: string }[] };
  expect(report.success).toBe(true);
  expect(report.actions.map((a) => [a.action, a.name, a.status, a.key_id]).sort()).toEqual([
    ['update', 'Alpha', 'done', alphaKey.id],
    ['update', 'Beta', 'done', betaKey.id],
  ]);
  expect(await activeByName(service, 'Alpha')).toMatchObject({ id: alphaKey.id, description: 'Reads and lists invoices' });
  expect(await activeByName(service, 'Beta')).toMatchObject({ id: betaKey.id, roles: ['ADMIN'] });
  expect(await secretIn(ws, SINK, 'ALPHA_KEY')).toBe(alphaSecret);
  expect(await whoami(service, betaSecret)).toEqual({ status: 200, name: 'Beta' });

  // rotate: the expiry cannot be edited in place. Alpha was used (whoami above), so the old key's
  // revoke is gated: refused without --allow-in-use, and nothing changes.
  await writeConfig(ws, target, [alpha({ description: 'Reads and lists invoices', expires: '60d' }), beta({ roles: ['ADMIN'] })]);
  const before = await allKeys(service);
  const refused = await expectExit(apply(ws, target), 3);
  expect(refused.stderr).toContain('--allow-in-use');
  expect(await allKeys(service)).toEqual(before);
  const rotated = await expectExit(apply(ws, target, ['--auto-approve', '--allow-in-use']), 0);
  expect(rotated.stdout).toContain('Apply complete: 0 created, 0 updated, 1 rotated, 0 revoked.');
  const newAlphaSecret = await secretIn(ws, SINK, 'ALPHA_KEY');
  expect(newAlphaSecret).not.toBe(alphaSecret);
  expect(await fileMode(ws.path(SINK))).toBe(0o600);
  expect(await whoami(service, newAlphaSecret)).toEqual({ status: 200, name: 'Alpha' });
  await expectRevoked(target, alphaSecret);
  const newAlphaKey = await activeByName(service, 'Alpha');
  expect(newAlphaKey.id).not.toBe(alphaKey.id);
  expect(Date.parse(newAlphaKey.expires_at ?? '') - Date.parse(alphaKey.expires_at ?? '')).toBeGreaterThan(29 * 86_400_000);
  expect((await allKeys(service)).find((key) => key.id === alphaKey.id)?.revoked_at).not.toBeNull();

  // revoke: Beta is no longer declared (and was used, hence --allow-in-use)
  await writeConfig(ws, target, [alpha({ description: 'Reads and lists invoices', expires: '60d' })]);
  const revoked = await expectExit(apply(ws, target, ['--auto-approve', '--allow-in-use']), 0);
  expect(revoked.stdout).toContain('Apply complete: 0 created, 0 updated, 0 rotated, 1 revoked.');
  await expectRevoked(target, betaSecret);
  expect(await whoami(service, newAlphaSecret)).toEqual({ status: 200, name: 'Alpha' });

  const last = await expectExit(apply(ws, target), 0);
  expect(last.stdout).toContain('No changes');
  const keys = await allKeys(service);
  // exactly three keys ever: the first Alpha (renamed aside by the rotation, then revoked), Beta, the new Alpha
  const state = (id: string) => keys.find((key) => key.id === id);
  expect(keys).toHaveLength(3);
  expect(state(alphaKey.id)).toMatchObject({ name: expect.stringMatching(/^Alpha\.retiring-/), revoked_at: expect.any(String) });
  expect(state(betaKey.id)).toMatchObject({ name: 'Beta', revoked_at: expect.any(String) });
  expect(state(newAlphaKey.id)).toMatchObject({ name: 'Alpha', revoked_at: null });
  await sweepFiles(ws, [SINK, SECRETS_OUT]);
}

describe('keyplan apply round trips', () => {
  const workspace = useWorkspace();

  it('creates, updates, rotates and revokes against a real keyplan serve', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await roundTrip(ws, httpTarget(service));
  });

  it('creates, updates, rotates and revokes in a local store (checked through a server on the same file)', async () => {
    const ws = workspace();
    await roundTrip(ws, await localTarget(ws));
  });

  /** Alpha applied with a 1 s rotation overlap over a real keyplan serve; `declared(expires)` re-declares it. */
  async function appliedWithOverlap(ws: E2eWorkspace) {
    const target = httpTarget(await ws.startKeyService());
    const declared = (expires: string) => [alpha({ expires, rotation: { every: '20d', overlap: '1s' } })];
    await writeConfig(ws, target, declared('30d'));
    await expectExit(apply(ws, target), 0);
    return { ws, target, service: target.service, declared, oldSecret: await secretIn(ws, SINK, 'ALPHA_KEY') };
  }

  it('keeps the old key through rotation.overlap, and a later apply revokes it', async () => {
    const { ws, target, service, declared, oldSecret } = await appliedWithOverlap(workspace());
    const oldKey = await activeByName(service, 'Alpha');

    await writeConfig(ws, target, declared('60d'));
    const rotated = await expectExit(apply(ws, target, ['--auto-approve', '--format', 'json']), 0);
    const [action] = (JSON.parse(rotated.stdout) as { actions: { action: string; retire_at: string | null }[] }).actions;
    expect(action).toMatchObject({ action: 'rotate', retire_at: expect.any(String) });
    const newSecret = await secretIn(ws, SINK, 'ALPHA_KEY');
    expect(newSecret).not.toBe(oldSecret);
    // During the overlap both secrets work; the old key stepped aside under another name.
    const aside = (await activeKeys(service)).find((key) => key.id === oldKey.id);
    expect(aside?.name).toMatch(/^Alpha\.retiring-/);
    expect(aside?.metadata['keyplan-retiring-for']).toBe('Alpha');
    expect(await whoami(service, newSecret)).toEqual({ status: 200, name: 'Alpha' });

    // Wait out the 1 s overlap (a wait, not a timed assertion). Nobody used the old key after the new secret
    // was delivered, so retiring it needs no --allow-in-use.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const retired = await expectExit(apply(ws, target), 0);
    expect(retired.stdout).toContain('1 revoked');
    expect((await whoami(service, oldSecret)).status).toBe(401);
    expect(await whoami(service, newSecret)).toEqual({ status: 200, name: 'Alpha' });
    expect((await activeKeys(service)).map((key) => key.name)).toEqual(['Alpha']);
    expect(await allKeys(service)).toHaveLength(2);
    await expectExit(apply(ws, target), 0);
    await sweepFiles(ws, [SINK]);
  });

  it('keeps an old key still used after its replacement was delivered, past the overlap, and says why', async () => {
    const { ws, target, service, declared, oldSecret } = await appliedWithOverlap(workspace());
    await writeConfig(ws, target, declared('60d'));
    await expectExit(apply(ws, target), 0);
    // A consumer that has not switched yet: the old key is used after the new secret was delivered.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await whoami(service, oldSecret)).status).toBe(200);
    const kept = await expectExit(apply(ws, target), 0);
    expect(kept.stdout).not.toContain('revoked');
    expect((await whoami(service, oldSecret)).status).toBe(200);
    const plan = await expectExit(ws.run(['plan'], { env: { [TOKEN_ENV]: service.adminKey } }), 0);
    expect(plan.stdout).toContain('kept past its overlap');
    await sweepFiles(ws, [SINK]);
  });
});
