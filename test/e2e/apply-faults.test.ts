import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Fault } from './helpers/fault-proxy.js';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { activeByName, activeKeys, allKeys, apply, expectExit, httpTarget, readSecretsFile, sweepFiles, whoami, writeConfig } from './helpers/apply-world.js';
import { useWorkspace } from './helpers/workspace.js';

const SECRETS_OUT = 'out/secrets.env';

function key(name: string, overrides: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], ...overrides };
}

/** Faults by request kind: the n-th request of a kind (1-based) gets faults[n-1], later ones go through. */
function faultsByKind(plan: Record<string, Fault[]>): (n: number, req: IncomingMessage) => Fault {
  const seen = new Map<string, number>();
  return (_n, req) => {
    const kind = `${req.method} ${(req.url ?? '').split('?')[0]?.replace(/\/key_[A-Za-z0-9]+$/, '/{id}')}`;
    const count = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, count);
    return plan[kind]?.[count - 1];
  };
}

describe('keyplan apply through a faulty network', () => {
  const workspace = useWorkspace();

  it('survives resets, 500s, 429s and lost create answers: exactly the declared keys, every secret delivered and working', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const direct = httpTarget(service);
    await writeConfig(ws, direct, [key('Updated'), key('Leaving')]);
    await expectExit(apply(ws, direct, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
    const updated = await activeByName(service, 'Updated');
    const leaving = await activeByName(service, 'Leaving');

    const proxy = await ws.startFaultProxy(
      service.url,
      faultsByKind({
        'GET /v1/keys': [{ kind: 'reset' }],
        'GET /v1/capabilities': [{ status: 500 }],
        'POST /v1/keys': [
          { kind: 'reset' },
          { status: 500 },
          { status: 429, headers: { 'retry-after': '0' } },
          { kind: 'drop-response' },
          { kind: 'drop-response' },
          { kind: 'drop-response' },
        ],
        'PATCH /v1/keys/{id}': [{ status: 500 }, { kind: 'drop-response' }],
        'DELETE /v1/keys/{id}': [{ kind: 'reset' }, { kind: 'drop-response' }],
      }),
    );
    const viaProxy = httpTarget(service, proxy.url);
    const created = Array.from({ length: 6 }, (_, i) => `Created_${i + 1}`);
    await writeConfig(ws, viaProxy, [key('Updated', { description: 'changed through a bad network' }), ...created.map((name) => key(name))]);
    const result = await expectExit(apply(ws, viaProxy, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
    expect(result.stdout).toContain('Apply complete: 6 created, 1 updated, 0 rotated, 1 revoked.');
    expect(proxy.injectedCount, proxy.log.join('\n')).toBe(12);
    expect(proxy.log.filter((line) => line.startsWith('POST') && line.includes('201 dropped')), proxy.log.join('\n')).toHaveLength(3);

    // Exactly the declared keys: no duplicates from the retried creates.
    expect((await activeKeys(service)).map((k) => k.name).sort()).toEqual(['Updated', ...created].sort());
    expect(await allKeys(service)).toHaveLength(2 + created.length);
    expect(await activeByName(service, 'Updated')).toMatchObject({ id: updated.id, description: 'changed through a bad network' });
    expect((await allKeys(service)).find((k) => k.id === leaving.id)?.revoked_at).not.toBeNull();
    const secrets = await readSecretsFile(ws, SECRETS_OUT);
    for (const name of created) {
      const secret = secrets.get(name.toUpperCase());
      expect(secret, `${name} in ${SECRETS_OUT}`).toMatch(/^kp_/);
      expect(await whoami(service, secret as string)).toEqual({ status: 200, name });
    }
    await expect(ws.readFile('.keyplan/journal.json')).rejects.toMatchObject({ code: 'ENOENT' });
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('finishes a create whose every answer was lost on the next apply, with the key the service already made', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    let dropCreates = true;
    const proxy = await ws.startFaultProxy(service.url, (_n, req) => (dropCreates && req.method === 'POST' && req.url?.startsWith('/v1/keys') ? { kind: 'drop-response' } : undefined));
    const target = httpTarget(service, proxy.url);
    await writeConfig(ws, target, [key('Stubborn', { deliver: [{ type: 'file', path: 'vault/stubborn.env', format: 'dotenv', var: 'STUBBORN' }] })]);

    const failed = await expectExit(apply(ws, target), 1);
    expect(failed.stdout).toContain('Stubborn');
    const made = await allKeys(service);
    expect(made.map((k) => k.name)).toEqual(['Stubborn']);
    expect(proxy.log.filter((line) => line.startsWith('POST /v1/keys')).length).toBeGreaterThan(1);
    expect(JSON.parse(await ws.readFile('.keyplan/journal.json')).pending).toHaveLength(1);

    dropCreates = false;
    const resumed = await expectExit(apply(ws, target), 0);
    expect(resumed.stdout).toContain('~ finish Stubborn');
    expect(resumed.stdout).toContain('Plan: 0 to create, 0 to update, 0 to rotate, 0 to revoke, 1 to finish.');
    expect(resumed.stdout).toContain('Apply complete: 0 created, 0 updated, 0 rotated, 0 revoked, 1 finished.');
    expect((await allKeys(service)).map((k) => k.id)).toEqual([made[0]?.id]);
    const secret = (await readSecretsFile(ws, 'vault/stubborn.env')).get('STUBBORN');
    expect(await whoami(service, secret as string)).toEqual({ status: 200, name: 'Stubborn' });
    await expect(ws.readFile('.keyplan/journal.json')).rejects.toMatchObject({ code: 'ENOENT' });
    await sweepFiles(ws, ['vault/stubborn.env']);
  });
});
