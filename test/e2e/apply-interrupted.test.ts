import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Fault } from './helpers/fault-proxy.js';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { activeKeys, allKeys, apply, expectExit, httpTarget, readSecretsFile, sweepFiles, TOKEN_ENV, whoami, writeConfig } from './helpers/apply-world.js';
import type { E2eWorkspace } from './helpers/workspace.js';
import { useWorkspace } from './helpers/workspace.js';

const SECRETS_OUT = 'out/secrets.env';

function keys(count: number): KeysYamlKey[] {
  return Array.from({ length: count }, (_, i) => ({ name: `Svc_${i + 1}`, description: `service ${i + 1}`, roles: ['READONLY'], expires: '30d' }));
}

/** Holds the n-th create (POST /v1/keys) until `release()`; `arrived` resolves when it reaches the proxy. */
function holdCreate(n: number) {
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  let creates = 0;
  const inject = (_count: number, req: IncomingMessage): Fault => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/keys')) return undefined;
    creates += 1;
    return creates === n ? { kind: 'hold', until } : undefined;
  };
  return { inject, release };
}

interface JournalFile {
  pending: { spec: { name: string } }[];
}

async function journalNames(ws: E2eWorkspace): Promise<string[]> {
  const text = await ws.readFile('.keyplan/journal.json').catch(() => '{"pending":[]}');
  return (JSON.parse(text) as JournalFile).pending.map((entry) => entry.spec.name).sort();
}

/**
 * `apply --auto-approve --parallelism 1` of `count` new keys through a proxy that holds the `holdAt`-th create;
 * resolves once that create is held, so a signal sent then arrives while exactly that action runs.
 */
async function applyHeldAt(ws: E2eWorkspace, count: number, holdAt: number) {
  const service = await ws.startKeyService();
  const held = holdCreate(holdAt);
  const proxy = await ws.startFaultProxy(service.url, held.inject);
  const target = httpTarget(service, proxy.url);
  await writeConfig(ws, target, keys(count));
  const run = ws.start(['apply', '--auto-approve', '--parallelism', '1', '--secrets-out', SECRETS_OUT], { env: { [TOKEN_ENV]: service.adminKey } });
  await proxy.logged((line) => line.startsWith('POST') && line.endsWith('held (injected)'));
  return { service, proxy, target, run, release: held.release };
}

describe('keyplan apply, interrupted', () => {
  const workspace = useWorkspace();

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal} starts no new action, lets the running one finish, reports what is left and exits 130; the rest is planned and confirmed like any change`, async () => {
      const ws = workspace();
      const { service, target, run, release } = await applyHeldAt(ws, 30, 12);
      run.child.kill(signal);
      await run.printed('starting no new action');
      release();
      const interrupted = await expectExit(run.done, 130);
      expect(interrupted.stdout).toContain('Interrupted: 12 of 30 done (12 created, 0 updated, 0 rotated, 0 revoked). Run keyplan apply to finish.');
      expect(interrupted.stderr).toBe('');

      // The running create finished and was delivered; nothing else was started, nothing is left in the journal.
      expect((await activeKeys(service)).map((k) => k.name).sort()).toEqual(keys(12).map((k) => k.name).sort());
      const secrets = await readSecretsFile(ws, SECRETS_OUT);
      expect(secrets.size).toBe(12);
      expect(await whoami(service, secrets.get('SVC_12') as string)).toEqual({ status: 200, name: 'Svc_12' });
      expect(await journalNames(ws)).toEqual([]);

      const plan = await expectExit(ws.run(['plan', '--detailed-exitcode', '--secrets-out', SECRETS_OUT], { env: { [TOKEN_ENV]: service.adminKey } }), 2);
      expect(plan.stdout).toContain('Plan: 18 to create, 0 to update, 0 to rotate, 0 to revoke.');
      const finished = await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
      expect(finished.stdout).toContain('Apply complete: 18 created, 0 updated, 0 rotated, 0 revoked.');
      expect(await activeKeys(service)).toHaveLength(30);
      await sweepFiles(ws, [SECRETS_OUT]);
    });
  }

  it('a second Ctrl-C stops at once; the next plan shows what was left, apply asks for it, and a key no longer declared is never created', async () => {
    const ws = workspace();
    const { service, proxy, target, run, release } = await applyHeldAt(ws, 5, 3);
    run.child.kill('SIGINT');
    await run.printed('starting no new action');
    run.child.kill('SIGINT');
    const stopped = await expectExit(run.done, 130);
    expect(stopped.stderr).toContain('stopped at once');
    // The key service gets the held create after the client is gone, and commits it.
    release();
    await proxy.logged((line) => line.startsWith('POST') && line.endsWith('-> 201'));
    expect((await activeKeys(service)).map((k) => k.name).sort()).toEqual(['Svc_1', 'Svc_2', 'Svc_3']);
    // Every create was recorded before it was sent: the journal knows Svc_3 may exist.
    expect(await journalNames(ws)).toContain('Svc_3');

    const env = { [TOKEN_ENV]: service.adminKey };
    const json = await expectExit(ws.run(['plan', '--format', 'json', '--detailed-exitcode', '--secrets-out', SECRETS_OUT], { env }), 2);
    const planned = JSON.parse(json.stdout) as { has_changes: boolean; summary: Record<string, number>; providers: { actions: { action: string; name: string; reasons: string[] }[] }[] };
    expect(planned.has_changes).toBe(true);
    const actions = planned.providers[0]?.actions ?? [];
    expect(actions.find((a) => a.name === 'Svc_3')).toMatchObject({ action: 'finish', reasons: [expect.stringContaining('deliver the secret of the key created by an interrupted apply')] });
    expect(actions.filter((a) => a.action === 'create').map((a) => a.name).sort()).toEqual(['Svc_4', 'Svc_5']);
    const text = await expectExit(ws.run(['plan', '--secrets-out', SECRETS_OUT], { env }), 0);
    expect(text.stdout).toContain('~ finish Svc_3');

    // Svc_3 and Svc_5 are no longer declared: Svc_5 is never created, Svc_3 (which the service made) is revoked.
    await writeConfig(ws, target, keys(5).filter((k) => k.name !== 'Svc_3' && k.name !== 'Svc_5'));
    const before = await allKeys(service);
    const journalBefore = await ws.readFile('.keyplan/journal.json');
    const refused = await expectExit(apply(ws, target, ['--secrets-out', SECRETS_OUT]), 1);
    expect(refused.stderr).toContain('apply needs confirmation');
    expect(refused.stdout).toContain('- revoke Svc_3');
    expect(refused.stdout).not.toContain('Svc_5 ');
    expect(await allKeys(service)).toEqual(before);
    expect(await ws.readFile('.keyplan/journal.json')).toBe(journalBefore);

    const done = await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
    expect(done.stdout).toMatch(/Apply complete: 1 created, 0 updated, 0 rotated, 1 revoked, \d finished\./);
    expect((await activeKeys(service)).map((k) => k.name).sort()).toEqual(['Svc_1', 'Svc_2', 'Svc_4']);
    expect((await allKeys(service)).map((k) => k.name)).not.toContain('Svc_5');
    const secrets = await readSecretsFile(ws, SECRETS_OUT);
    for (const name of ['Svc_1', 'Svc_2', 'Svc_4']) expect(await whoami(service, secrets.get(name.toUpperCase()) as string)).toEqual({ status: 200, name });
    await expect(ws.readFile('.keyplan/journal.json')).rejects.toMatchObject({ code: 'ENOENT' });
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('Ctrl-C during a rotation lets it finish (new secret delivered, old key kept for its overlap) and leaves the next rotation for the next apply', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    let hold: Promise<void> | undefined;
    let release!: () => void;
    const proxy = await ws.startFaultProxy(service.url, (_n, req) => (hold && req.method === 'POST' && req.url?.startsWith('/v1/keys') ? { kind: 'hold', until: hold } : undefined));
    const target = httpTarget(service, proxy.url);
    const declared = (expires: string) => ['Alpha', 'Beta'].map((name) => ({ name, description: name, roles: ['READONLY'], expires, rotation: { every: '20d', overlap: '1h' } }));
    await writeConfig(ws, target, declared('30d'));
    await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
    const before = await readSecretsFile(ws, SECRETS_OUT);
    const [oldAlpha, oldBeta] = ['Alpha', 'Beta'].map((name) => activeKeys(service).then((keys) => keys.find((k) => k.name === name)));

    // A new expiry rotates both keys; the first rotation's create is held while Ctrl-C arrives.
    await writeConfig(ws, target, declared('60d'));
    hold = new Promise<void>((resolve) => (release = resolve));
    const run = ws.start(['apply', '--auto-approve', '--parallelism', '1', '--secrets-out', SECRETS_OUT], { env: { [TOKEN_ENV]: service.adminKey } });
    await proxy.logged((line) => line.startsWith('POST') && line.endsWith('held (injected)'));
    run.child.kill('SIGINT');
    await run.printed('starting no new action');
    hold = undefined;
    release();
    const interrupted = await expectExit(run.done, 130);
    expect(interrupted.stdout).toContain('Interrupted: 1 of 2 done (0 created, 0 updated, 1 rotated, 0 revoked). Run keyplan apply to finish.');

    const after = await readSecretsFile(ws, SECRETS_OUT);
    const rotated = ['ALPHA', 'BETA'].filter((name) => after.get(name) !== before.get(name));
    expect(rotated).toHaveLength(1);
    const [name] = rotated as [string];
    const display = name === 'ALPHA' ? 'Alpha' : 'Beta';
    const old = (await (name === 'ALPHA' ? oldAlpha : oldBeta)) as { id: string };
    // The rotated key's new secret works; its old key stays through the overlap, marked for a later revoke.
    expect(await whoami(service, after.get(name) as string)).toEqual({ status: 200, name: display });
    expect((await whoami(service, before.get(name) as string)).status).toBe(200);
    expect((await activeKeys(service)).find((k) => k.id === old.id)?.metadata['keyplan-retire-at']).toBeDefined();
    expect(await journalNames(ws)).toEqual([]);

    const plan = await expectExit(ws.run(['plan', '--detailed-exitcode', '--secrets-out', SECRETS_OUT], { env: { [TOKEN_ENV]: service.adminKey } }), 2);
    expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 1 to rotate, 0 to revoke.');
    expect(plan.stdout).toMatch(new RegExp(`… ${display}\\.retiring-\\S+ \\(${old.id}\\) stays until`));
    await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
    await sweepFiles(ws, [SECRETS_OUT]);
  });
});
