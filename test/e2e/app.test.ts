import { mkdir, readdir, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { activeKeys, expectExit, secretIn, sweepFiles, TOKEN_ENV, whoami } from './helpers/apply-world.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const CONSTRUCTS = new URL('../../dist/constructs/index.js', import.meta.url).href;
const SINK = 'secrets/app.env';

/** A compiled-JS program declaring keys with keyplan/constructs against `url`; `extra` adds statements. */
function writeApp(ws: E2eWorkspace, url: string, names: string[], extra = ''): Promise<string> {
  return ws.writeFile(
    'keys.mjs',
    `import { ApiKey, KeyPlan, Provider, Team } from ${JSON.stringify(CONSTRUCTS)};
const plan = new KeyPlan(undefined, 'keys');
const prod = new Provider(plan, 'prod', { type: 'http', url: ${JSON.stringify(url)}, tokenEnv: '${TOKEN_ENV}' });
const team = new Team(plan, 'team-billing', { provider: prod, consumers: ['billing-dashboard'] });
for (const name of ${JSON.stringify(names)}) {
  new ApiKey(team, name, { roles: ['READONLY'], expires: '90d', deliver: [{ type: 'file', path: '${SINK}', var: name.toUpperCase() }] });
}
${extra}
plan.synth();
`,
  );
}

/** A temp directory of the test's own (TMPDIR for the CLI), so other test runs cannot add to it. */
async function privateTmp(ws: E2eWorkspace): Promise<string> {
  const dir = ws.path('tmp');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** keyplan-app-* temporary directories left behind in `dir`. */
async function leftoverOutdirs(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('keyplan-app-'));
}

describe('--app: a program synthesizes keys.yaml', () => {
  const workspace = useWorkspace();

  it('plans and applies against a real key service, with secrets and state in the project directory', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const tmp = await privateTmp(ws);
    const env = { [TOKEN_ENV]: service.adminKey, TMPDIR: tmp };
    await writeApp(ws, service.url, ['Sync_staging', 'Sync_prod']);

    const plan = await expectExit(ws.run(['plan', '--app', 'node keys.mjs', '--detailed-exitcode'], { env }), 2);
    expect(plan.stdout).toContain('Plan: 2 to create, 0 to update, 0 to rotate, 0 to revoke.');

    const applied = await expectExit(ws.run(['apply', '--auto-approve', '--app', 'node keys.mjs'], { env }), 0);
    expect(applied.stdout).toContain('Apply complete: 2 created, 0 updated, 0 rotated, 0 revoked.');
    expect((await activeKeys(service)).map((k) => k.name).sort()).toEqual(['Sync_prod', 'Sync_staging']);
    // The deliver path is relative to the project directory, not to the temporary output directory.
    expect(await whoami(service, await secretIn(ws, SINK, 'SYNC_PROD'))).toEqual({ status: 200, name: 'Sync_prod' });

    // KEYPLAN_APP works like --app; nothing left to do.
    await expectExit(ws.run(['plan', '--detailed-exitcode'], { env: { ...env, KEYPLAN_APP: 'node keys.mjs' } }), 0);
    expect(await leftoverOutdirs(tmp)).toEqual([]);

    // A key dropped from the program is revoked, behind the same gates as keys.yaml (it lists consumers).
    await writeApp(ws, service.url, ['Sync_prod']);
    const gated = await expectExit(ws.run(['apply', '--auto-approve', '--app', 'node keys.mjs'], { env }), 3);
    expect(gated.stderr).toContain('--allow-in-use');
    // A saved plan is applied with the same program (its config file was temporary).
    const saved = await expectExit(ws.run(['plan', '--out', 'revoke.plan', '--app', 'node keys.mjs'], { env }), 0);
    expect(saved.stderr).toContain('Apply exactly it with: keyplan apply revoke.plan --app "node keys.mjs"');
    const revoked = await expectExit(ws.run(['apply', 'revoke.plan', '--auto-approve', '--allow-in-use', '--app', 'node keys.mjs'], { env }), 0);
    expect(revoked.stdout).toContain('1 revoked');
    expect((await activeKeys(service)).map((k) => k.name)).toEqual(['Sync_prod']);
    await sweepFiles(ws, [SINK]);
  });

  it('validate and audit take --app; audit --propose and import --out refuse it', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const env = { [TOKEN_ENV]: service.adminKey };
    await writeApp(ws, service.url, ['Sync_prod']);
    const valid = await expectExit(ws.run(['validate', '--app', 'node keys.mjs']), 0);
    expect(valid.stdout).toContain('is valid: 1 key in 1 file, 1 provider.');
    await expectExit(ws.run(['audit', '--app', 'node keys.mjs'], { env }), 0);

    const propose = await expectExit(ws.run(['audit', '--propose', '--app', 'node keys.mjs'], { env }), 1);
    expect(propose.stderr).toContain('audit --propose edits keys.yaml in place, but with --app a program writes it');
    const importOut = await expectExit(ws.run(['import', '--out', 'more.yaml', '--app', 'node keys.mjs'], { env }), 1);
    expect(importOut.stderr).toContain('run import without --out and declare the keys it prints as ApiKey constructs');
    const both = await expectExit(ws.run(['plan', '-c', 'keys.yaml', '--app', 'node keys.mjs']), 1);
    expect(both.stderr).toContain('either -c/--config or --app');
    await sweepFiles(ws, []);
  });

  it('a failing program exits 1 with its own stderr; a program that writes nothing says so', async () => {
    const ws = workspace();
    await ws.writeFile('fail.mjs', "process.stderr.write('no database configured\\n'); process.exit(3);\n");
    const failed = await expectExit(ws.run(['plan', '--app', 'node fail.mjs']), 1);
    expect(failed.stderr).toContain('the app `node fail.mjs` exited with code 3; its stderr:\nno database configured');
    expect(failed.stderr).not.toMatch(/\n\s+at /); // keyplan adds no stack trace of its own

    const silent = await expectExit(ws.run(['plan', '--app', 'node -e 0']), 1);
    expect(silent.stderr).toContain('wrote no keys.yaml to KEYPLAN_OUTDIR');
  });

  it('a construction error points at the program line; an invalid synthesized file names the construct and the position', async () => {
    const ws = workspace();
    await ws.writeFile('bad.mjs', `import { ApiKey, KeyPlan } from ${JSON.stringify(CONSTRUCTS)};\nconst plan = new KeyPlan(undefined, 'keys');\nnew ApiKey(plan, 'A', { roles: ['READONLY'], expires: 'soon' });\n`);
    const bad = await expectExit(ws.run(['validate', '--app', 'node bad.mjs']), 1);
    expect(bad.stderr).toContain('ApiKey keys/A: expires: must be a duration');
    expect(bad.stderr).toMatch(/KeyPlanConstructError[^\n]*\n\s+at [^\n]*bad\.mjs:3:1/);

    // A program built against another keyplan version may write what this one rejects.
    await ws.writeFile(
      'other.mjs',
      `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.KEYPLAN_OUTDIR + '/keys.yaml', '# construct: keys\\nversion: 1\\nkeys:\\n  # construct: team/Old_Key\\n  - name: Old_Key\\n    roles: [READONLY]\\n    expires: soon\\n');
`,
    );
    const tmp = await privateTmp(ws);
    const invalid = await expectExit(ws.run(['validate', '--app', 'node other.mjs'], { env: { TMPDIR: tmp } }), 1);
    expect(invalid.stderr).toMatch(/keyplan-app-[^/]+\/keys\.yaml:7:14: team\/Old_Key: keys\[0\]\.expires: must be a duration/);
    const kept = invalid.stderr.match(/kept for inspection at (\S+)/)?.[1];
    expect(kept).toBeDefined();
    expect(await leftoverOutdirs(tmp)).toHaveLength(1);
    expect(kept?.startsWith(tmp)).toBe(true);
    await rm(tmp, { recursive: true });
  });
});
