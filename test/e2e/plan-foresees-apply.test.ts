import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { TOKEN_ENV, allKeys, apply, expectExit, httpTarget, localTarget, recoveryFiles, sweepFiles, writeConfig, type ApplyTarget } from './helpers/apply-world.js';
import { REPO_ROOT } from './helpers/installed-package.js';
import { httpProvider, type KeysYamlKey } from './helpers/keys-yaml.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

function key(name: string, path: string, extra: Partial<KeysYamlKey> = {}): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], expires: '30d', deliver: [{ type: 'file', path, format: 'dotenv', var: `${name.toUpperCase()}_KEY` }], ...extra };
}

/** The 1-based line of keys.yaml holding `text` (after the line of key `name`). */
async function lineOf(ws: E2eWorkspace, name: string, text: string): Promise<number> {
  const lines = (await ws.readFile('keys.yaml')).split('\n');
  const start = lines.findIndex((line) => line.includes(`name: ${name}`));
  return lines.findIndex((line, index) => index > start && line.includes(text)) + 1;
}

async function unwritableSinks(ws: E2eWorkspace, target: ApplyTarget): Promise<void> {
  const env = { [TOKEN_ENV]: target.service.adminKey };
  await ws.writeFile('afile', 'a regular file\n');
  await writeConfig(ws, target, [key('Under_File', 'afile/sub/s.env'), key('Proc_Key', '/proc/version'), key('Fine_Key', 'ok/s.env')]);
  const before = (await allKeys(target.service)).length;
  for (const args of [['plan'], ['apply', '--auto-approve']]) {
    const result = await expectExit(ws.run(args, { env }), 1);
    expect(result.stdout).toContain(`keys.yaml:${await lineOf(ws, 'Under_File', '- type: file')}:`);
    expect(result.stdout).toContain('Under_File: deliver: afile/sub/s.env cannot be written: afile is a regular file, not a directory');
    expect(result.stdout).toMatch(/Proc_Key: deliver: \/proc\/version cannot be written: \/proc does not take new files \(a special or read-only file system\)/);
    expect(result.stdout).toContain('Plan failed: 2 problems must be fixed first.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }
  // Nothing was created, nothing parked in a recovery file, no sink written.
  expect(await allKeys(target.service)).toHaveLength(before);
  expect(await recoveryFiles(ws)).toEqual([]);
  expect(await ws.readFile('ok/s.env').catch(() => 'none')).toBe('none');
  await sweepFiles(ws, []);
}

describe('plan foresees what apply would trip on', () => {
  const workspace = useWorkspace();

  it('a duration under an hour is a warning naming it exactly (did you mean 6mo?), at the field that says it', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    await writeConfig(ws, target, [
      key('Six_Min', 'out/s.env', { expires: '6m', rotation: { every: '30m', overlap: '90s' } }),
      key('Long_Enough', 'out/s.env', { expires: '6mo', rotation: { every: '30d', overlap: '1h' } }),
    ]);
    const plan = await expectExit(ws.run(['plan', '--detailed-exitcode'], { env: { [TOKEN_ENV]: target.service.adminKey } }), 2);
    const expiresLine = await lineOf(ws, 'Six_Min', 'expires:');
    const everyLine = await lineOf(ws, 'Six_Min', 'every:');
    const overlapLine = await lineOf(ws, 'Six_Min', 'overlap:');
    expect(plan.stdout).toContain(`warning keys.yaml:${expiresLine}:`);
    expect(plan.stdout).toContain('Six_Min: expires: 6m is 6 minutes — did you mean 6mo?');
    expect(plan.stdout).toMatch(new RegExp(`warning keys\\.yaml:${everyLine}:\\d+: Six_Min: rotation\\.every: 30m is 30 minutes — did you mean 30mo\\?`));
    expect(plan.stdout).toMatch(new RegExp(`warning keys\\.yaml:${overlapLine}:\\d+: Six_Min: rotation\\.overlap: 90s is 1 minute 30 seconds — is that intended\\?`));
    expect(plan.stdout).not.toContain('Long_Enough: expires');
    expect(plan.stdout).not.toContain('Long_Enough: rotation');
    // A warning, not an error: apply goes ahead.
    await expectExit(apply(ws, target), 0);
    await sweepFiles(ws, ['out/s.env']);
  });

  it('a deliver: file under a regular file, or in /proc, is a plan error naming the real cause, and apply creates nothing (keyplan serve)', async () => {
    const ws = workspace();
    await unwritableSinks(ws, httpTarget(await ws.startKeyService()));
  });

  it('the same with the local provider', async () => {
    const ws = workspace();
    await unwritableSinks(ws, await localTarget(ws));
  });

  it('the quick start (the root keys.yaml) plans quietly right after its apply: no expiring key, no Findings:, no description: ""', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', await readFile(`${REPO_ROOT}keys.yaml`, 'utf8'));
    await expectExit(ws.run(['apply', '--auto-approve']), 0);
    const plan = await expectExit(ws.run(['plan', '--detailed-exitcode']), 0);
    expect(plan.stdout).toContain('No changes. The key service matches keys.yaml.');
    expect(plan.stdout).not.toContain('Findings:');
    expect(plan.stdout).not.toContain('expiring');
    const audit = await expectExit(ws.run(['audit', '--format', 'json']), 0);
    expect((JSON.parse(audit.stdout) as { keys: { findings: unknown[] }[] }).keys.flatMap((k) => k.findings)).toEqual([]);
    await ws.writeFile('bare/keys.yaml', 'version: 1\nkeys:\n  - name: Bare\n    roles: [READONLY]\n    expires: 30d\n');
    const bare = await expectExit(ws.run(['plan', '-c', 'bare/keys.yaml', '--secrets-out', 'out/s.env']), 0);
    expect(bare.stdout).toContain('+ create Bare');
    expect(bare.stdout).not.toContain('description');
    await sweepFiles(ws, ['.keyplan/secrets.env']);
  });

  it('a key service that cannot be reached is named by its provider, not only its URL', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await service.stop();
    await ws.writeKeysYaml({ providers: { billing_prod: httpProvider(service.url, TOKEN_ENV, { timeout: '2s' }) }, keys: [key('Any', 'out/s.env')] });
    const result = await expectExit(ws.run(['plan'], { env: { [TOKEN_ENV]: service.adminKey } }), 1);
    expect(result.stderr).toMatch(new RegExp(`^Error: provider billing_prod: cannot reach key service at ${service.url.replace(/[.]/g, '\\.')}: ECONNREFUSED`, 'm'));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
