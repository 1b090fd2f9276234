import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { TOKEN_ENV, activeByName, activeKeys, expectExit, httpTarget, secretIn, sweepFiles, whoami, type ApplyTarget } from './helpers/apply-world.js';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { verifiedName } from './helpers/pipeline.js';
import { REPO_ROOT } from './helpers/installed-package.js';
import { readmeBlock } from './helpers/readme.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const SINK = 'secrets.env';

function key(name: string, extra: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], deliver: [{ type: 'file', path: SINK, format: 'dotenv', var: `${name.toUpperCase()}_KEY` }], ...extra };
}

/** A configuration in its own directory of the workspace, with its own ownership, on the one key service. */
function config(ws: E2eWorkspace, target: ApplyTarget, dir: string, ownership: string) {
  const env = { [TOKEN_ENV]: target.service.adminKey };
  const path = `${dir}/keys.yaml`;
  return {
    sink: `${dir}/${SINK}`,
    write: (keys: KeysYamlKey[]) => ws.writeKeysYaml({ ownership, providers: { main: target.provider }, keys }, path),
    run: (args: string[]) => ws.run([...args, '-c', path], { env }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Waits (a wait, not a timed assertion) until `name`'s key expires within `withinMs`: its rotation.before_expiry is due. */
async function untilExpiresWithin(target: ApplyTarget, name: string, withinMs: number): Promise<void> {
  const { expires_at } = await activeByName(target.service, name);
  await sleep(Date.parse(expires_at as string) - withinMs - Date.now() + 500);
}

describe('a scheduled rotation of a key in use', () => {
  const workspace = useWorkspace();

  it('with an overlap creates and delivers the new key without --allow-in-use, and keeps the old one while it is still used', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const rotating = config(ws, target, 'overlap', 'team/overlap');
    const gated = config(ws, target, 'gated', 'team/gated');
    const shortRot = key('Short_Rot', { expires: '2m', rotation: { before_expiry: '90s', overlap: '10s' } });
    await rotating.write([shortRot, key('Other', { expires: '30d' })]);
    await gated.write([key('No_Overlap', { expires: '2m', rotation: { before_expiry: '90s' } })]);
    await expectExit(rotating.run(['apply', '--auto-approve']), 0);
    await expectExit(gated.run(['apply', '--auto-approve']), 0);

    // Both keys are used once, through the key service.
    const oldSecret = await secretIn(ws, rotating.sink, 'SHORT_ROT_KEY');
    const gatedSecret = await secretIn(ws, gated.sink, 'NO_OVERLAP_KEY');
    expect(await verifiedName(target.service, oldSecret)).toBe('Short_Rot');
    expect(await verifiedName(target.service, gatedSecret)).toBe('No_Overlap');
    const oldKey = await activeByName(target.service, 'Short_Rot');
    const oldOther = await activeByName(target.service, 'Other');

    await untilExpiresWithin(target, 'Short_Rot', 90_000);
    // Other's expiry changes too: its rotation goes with Short_Rot's.
    await rotating.write([shortRot, key('Other', { expires: '40d' })]);
    const plan = await expectExit(rotating.run(['plan', '--detailed-exitcode']), 2);
    expect(plan.stdout).toContain(`-/+ rotate Short_Rot (${oldKey.id})`);
    expect(plan.stdout).toContain('(rotation.before_expiry: 1 minute 30 seconds)');
    expect(plan.stdout).toContain(`-/+ rotate Other (${oldOther.id})`);
    expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 2 to rotate, 0 to revoke.');

    const applied = await expectExit(rotating.run(['apply', '--auto-approve']), 0);
    expect(applied.stdout).toContain('Apply complete: 0 created, 0 updated, 2 rotated, 0 revoked.');
    expect(applied.stdout).not.toContain('--allow-in-use');
    const newSecret = await secretIn(ws, rotating.sink, 'SHORT_ROT_KEY');
    expect(newSecret).not.toBe(oldSecret);
    expect(await verifiedName(target.service, newSecret)).toBe('Short_Rot');
    expect(await verifiedName(target.service, await secretIn(ws, rotating.sink, 'OTHER_KEY'))).toBe('Other');
    expect((await activeByName(target.service, 'Other')).id).not.toBe(oldOther.id);

    // A consumer that has not switched uses the old secret after the new one was delivered; the overlap ends.
    expect((await whoami(target.service, oldSecret)).status).toBe(200);
    await sleep(10_500);
    const kept = await expectExit(rotating.run(['apply', '--auto-approve']), 0);
    expect(kept.stdout).not.toContain('revoked main/');
    expect((await whoami(target.service, oldSecret)).status).toBe(200);
    const warned = await expectExit(rotating.run(['plan']), 0);
    expect(warned.stdout).toContain(`kept past its overlap: last used`);
    expect(warned.stdout).toContain('after the secret of Short_Rot was delivered');

    // Without an overlap, rotating a key in use keeps the gate: the old key goes the moment the new one exists.
    const refused = await expectExit(gated.run(['apply', '--auto-approve']), 3);
    expect(refused.stderr).toContain('No_Overlap');
    expect(refused.stderr).toContain('pass --allow-in-use');
    expect(await verifiedName(target.service, gatedSecret)).toBe('No_Overlap');
    expect((await activeKeys(target.service)).filter((k) => k.name === 'No_Overlap')).toHaveLength(1);

    await sweepFiles(ws, [rotating.sink, gated.sink]);
  }, 240_000);

  it("rotates the README's Billing_Reader (consumers declared, overlap 24h) without --allow-in-use", async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    const reference = parse(await readmeBlock('# yaml-language-server: $schema=./schema/keys.schema.json')) as { keys: KeysYamlKey[] };
    const billing = reference.keys.find((k) => k.name === 'Billing_Reader') as KeysYamlKey;
    expect(billing).toMatchObject({ consumers: ['billing-dashboard'], rotation: { overlap: '24h' }, prevent_revoke: false });
    const { provider: _provider, ...declared } = billing;
    const sink = (declared.deliver as { path: string }[])[0]?.path as string;
    const write = (expires: string, preventRevoke: boolean) => ws.writeKeysYaml({ providers: { main: target.provider }, keys: [{ ...declared, expires, prevent_revoke: preventRevoke }] });
    const env = { [TOKEN_ENV]: target.service.adminKey };

    await write(billing.expires as string, true);
    await expectExit(ws.run(['apply', '--auto-approve'], { env }), 0);
    const oldSecret = await secretIn(ws, sink, 'BILLING_API_KEY');
    expect(await verifiedName(target.service, oldSecret)).toBe('Billing_Reader');
    // Used by its consumer: the in-use gate would stand in the way of a plain revoke.
    expect((await whoami(target.service, oldSecret)).status).toBe(200);

    // The rotation a new expiry asks for, applied the way examples/github/apply-on-merge.yml does: --allow-in-use
    // only for a pull request a maintainer labelled, never by default.
    const workflow = await readFile(`${REPO_ROOT}examples/github/apply-on-merge.yml`, 'utf8');
    expect(workflow).toContain('args: --auto-approve --comment ${{ steps.allow.outputs.args }}');
    // With prevent_revoke set, any rotation (its revoke half) is refused, the fix named, whatever the flags.
    await write('100d', true);
    const blocked = await expectExit(ws.run(['apply', '--auto-approve'], { env }), 1);
    expect(blocked.stdout).toContain('has prevent_revoke: set prevent_revoke: false and apply');
    expect(blocked.stdout).not.toContain('--allow-in-use');
    // As the README declares it (prevent_revoke: false), its consumers and recent use do not: the overlap is the safe path.
    await write(billing.expires as string, false);
    expect((await expectExit(ws.run(['apply', '--auto-approve'], { env }), 0)).stdout).toContain('1 updated');
    await write('100d', false);
    const rotated = await expectExit(ws.run(['apply', '--auto-approve'], { env }), 0);
    expect(rotated.stdout).toContain('1 rotated');
    const newSecret = await secretIn(ws, sink, 'BILLING_API_KEY');
    expect(await verifiedName(target.service, newSecret)).toBe('Billing_Reader');
    // Within the 24 h overlap the old secret still works.
    expect((await whoami(target.service, oldSecret)).status).toBe(200);
    await sweepFiles(ws, [sink]);
  }, 120_000);
});

