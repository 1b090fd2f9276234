import { describe, expect, it } from 'vitest';
import { TOKEN_ENV, activeByName, activeKeys, allKeys, expectExit, httpTarget, secretIn, sweepFiles, whoami, type ApplyTarget } from './helpers/apply-world.js';
import { keysYaml, type KeysYamlKey } from './helpers/keys-yaml.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

function key(name: string, extra: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], expires: '30d', deliver: [{ type: 'file', path: 'secrets.env', format: 'dotenv', var: `${name.toUpperCase()}_KEY` }], ...extra };
}

/** A configuration in its own directory with its own `ownership:`, on the one key service. */
function team(ws: E2eWorkspace, target: ApplyTarget, ownership: string) {
  const dir = ownership.replace('/', '-');
  const env = { [TOKEN_ENV]: target.service.adminKey };
  const config = `${dir}/keys.yaml`;
  return {
    sink: `${dir}/secrets.env`,
    write: (keys: KeysYamlKey[], release: string[] = []) =>
      ws.writeFile(config, keysYaml({ ownership, providers: { main: target.provider }, keys, ...(release.length > 0 ? { release } : {}) } as Parameters<typeof keysYaml>[0])),
    run: (args: string[]) => ws.run([...args, '-c', config], { env }),
  };
}

describe('a hand-over of a key between two configurations (take_over: / release:)', () => {
  const workspace = useWorkspace();

  it('old owner revokes first: the new owner\'s take_over is a plan error naming key and owner, never a create', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const a = team(ws, target, 'team/a');
    const b = team(ws, target, 'team/b');
    await a.write([key('Moving_Key')]);
    await expectExit(a.run(['apply', '--auto-approve']), 0);
    const moving = await activeByName(target.service, 'Moving_Key');
    const secret = await secretIn(ws, a.sink, 'MOVING_KEY_KEY');

    await a.write([]);
    expect((await expectExit(a.run(['apply', '--auto-approve']), 0)).stdout).toContain('1 revoked');
    expect((await whoami(target.service, secret)).status).toBe(401);

    await b.write([key('Moving_Key', { take_over: 'team/a' })]);
    for (const command of [['plan'], ['apply', '--auto-approve']]) {
      const refused = await expectExit(b.run(command), 1);
      expect(refused.stdout).toContain(`take_over: team/a names Moving_Key, but Moving_Key (${moving.id}) was revoked`);
      expect(refused.stdout).toContain('there is no live key to take over');
      expect(refused.stdout).toContain('list it under release:');
      expect(refused.stdout).not.toContain('+ create');
    }
    expect(await activeKeys(target.service)).toEqual([]);

    // take_over of a key that never existed: the same error, never a silent create.
    await b.write([key('Ghost_Key', { take_over: 'team/a' })]);
    const ghost = await expectExit(b.run(['plan']), 1);
    expect(ghost.stdout).toContain('take_over: team/a names Ghost_Key, but no key named Ghost_Key exists at provider main: there is nothing to take over from ownership team/a');
    expect(ghost.stdout).not.toContain('+ create');
    expect(await allKeys(target.service)).toHaveLength(1);
    await sweepFiles(ws, [a.sink]);
  });

  it('old owner releases first, then the new owner takes over: same key, same secret, never a gap', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const a = team(ws, target, 'team/a');
    const b = team(ws, target, 'team/b');
    await a.write([key('Moving_Key'), key('Staying_Key')]);
    await expectExit(a.run(['apply', '--auto-approve']), 0);
    const moving = await activeByName(target.service, 'Moving_Key');
    const secret = await secretIn(ws, a.sink, 'MOVING_KEY_KEY');

    await a.write([key('Staying_Key')], ['Moving_Key']);
    const released = await expectExit(a.run(['plan', '--detailed-exitcode']), 2);
    expect(released.stdout).toContain('released (release:): ownership team/a lets go of it without revoking it');
    expect(released.stdout).not.toContain('revoke Moving_Key');
    const applied = await expectExit(a.run(['apply', '--auto-approve']), 0);
    expect(applied.stdout).toContain('0 revoked');
    expect(await whoami(target.service, secret)).toEqual({ status: 200, name: 'Moving_Key' });
    // Released: a's plan leaves it alone from now on.
    expect((await expectExit(a.run(['plan', '--detailed-exitcode']), 0)).stdout).toContain('No changes');

    await b.write([key('Moving_Key', { take_over: 'team/a' })]);
    const plan = await expectExit(b.run(['plan', '--detailed-exitcode']), 2);
    expect(plan.stdout).toContain('takes over the key ownership team/a released (release:): ownership team/b manages it from now on, the secret is kept');
    expect(plan.stdout).not.toContain('+ create');
    await expectExit(b.run(['apply', '--auto-approve']), 0);
    expect(await activeByName(target.service, 'Moving_Key')).toMatchObject({ id: moving.id, metadata: { 'keyplan-ownership': 'team/b' } });
    expect(await whoami(target.service, secret)).toEqual({ status: 200, name: 'Moving_Key' });
    expect((await expectExit(b.run(['plan', '--detailed-exitcode']), 0)).stdout).toContain('No changes');
    // a keeps its release: entry; the key is b's now and a's plan does not touch it.
    expect((await expectExit(a.run(['plan', '--detailed-exitcode']), 0)).stdout).toContain('No changes');
    expect((await allKeys(target.service)).map((k) => k.name).sort()).toEqual(['Moving_Key', 'Staying_Key']);
    await sweepFiles(ws, [a.sink]);
  });

  it('new owner takes over first: the old owner\'s plan no longer touches the key, even once it stops declaring it', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const a = team(ws, target, 'team/a');
    const b = team(ws, target, 'team/b');
    await a.write([key('Moving_Key')]);
    await expectExit(a.run(['apply', '--auto-approve']), 0);
    const moving = await activeByName(target.service, 'Moving_Key');
    const secret = await secretIn(ws, a.sink, 'MOVING_KEY_KEY');

    await b.write([key('Moving_Key', { take_over: 'team/a' })]);
    await expectExit(b.run(['apply', '--auto-approve']), 0);
    expect(await activeByName(target.service, 'Moving_Key')).toMatchObject({ id: moving.id, metadata: { 'keyplan-ownership': 'team/b' } });

    // a still declares it: a plan error naming the new owner, and nothing is changed.
    const stillDeclared = await expectExit(a.run(['apply', '--auto-approve']), 1);
    expect(stillDeclared.stdout).toContain(`Moving_Key (${moving.id}) is managed by ownership team/b, not team/a`);
    // a stops declaring it: no revoke, the key is only reported as managed elsewhere.
    await a.write([]);
    const after = await expectExit(a.run(['plan', '--detailed-exitcode']), 0);
    expect(after.stdout).toContain('No changes');
    expect(after.stdout).toContain('managed-elsewhere');
    await expectExit(a.run(['apply', '--auto-approve', '--allow-in-use', '--force']), 0);
    expect(await activeByName(target.service, 'Moving_Key')).toMatchObject({ id: moving.id });
    expect(await whoami(target.service, secret)).toEqual({ status: 200, name: 'Moving_Key' });
    await sweepFiles(ws, [a.sink]);
  });
});
