import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, sweepFiles } from './helpers/apply-world.js';
import { REPO_ROOT, useInstalledKeyplan } from './helpers/installed-package.js';
import { readmeBlock, readmeRoundTrip } from './helpers/readme.js';
import { useWorkspace } from './helpers/workspace.js';

/** The line and column where `code` starts in `text` (what a stack frame gives for a `new` there). */
function at(text: string, code: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((candidate) => candidate.includes(code));
  expect(line, code).toBeGreaterThanOrEqual(0);
  return `${line + 1}:${(lines[line] ?? '').indexOf(code) + 1}`;
}

// A fresh `npm init -y` project is CommonJS: keyplan installed there from its tarball, as a user installs it.
describe('keyplan/constructs in a CommonJS project, from the packed package', () => {
  const installed = useInstalledKeyplan('commonjs', ['constructs', 'tsx', 'typescript', '@types/node']);
  const workspace = useWorkspace();

  it('require() loads it with no warning, from the installed copy, and import() gets the very same classes', async () => {
    const project = installed();
    const script = `const constructs = require('keyplan/constructs');
import('keyplan/constructs').then((esm) => console.log(JSON.stringify({
  names: Object.keys(constructs).sort(), same: esm.KeyPlan === constructs.KeyPlan, resolved: require.resolve('keyplan/constructs'),
})));`;
    const { stdout, stderr } = await project.exec(process.execPath, ['-e', script]);
    expect(stderr).toBe(''); // no ExperimentalWarning, no ERR_REQUIRE_ASYNC_MODULE
    const loaded = JSON.parse(stdout) as { names: string[]; same: boolean; resolved: string };
    expect(loaded.names).toEqual(['ApiKey', 'KeyPlan', 'KeyPlanConstructError', 'KeyPlanSynthError', 'Provider', 'Team']);
    expect(loaded.same).toBe(true);
    expect(loaded.resolved).toBe(join(await realpath(project.dir), 'node_modules', 'keyplan', 'dist', 'constructs', 'index.cjs'));
    expect(loaded.resolved.startsWith(REPO_ROOT)).toBe(false);
  }, 300_000);

  it('the README example runs with tsx as a CommonJS program: plan, apply and audit', async () => {
    const project = installed();
    const ws = workspace();
    await project.adopt(ws);
    await ws.writeFile('keys.ts', await readmeBlock('// keys.ts'));
    await readmeRoundTrip(ws, project, 'npx tsx keys.ts', 'keys.ts');
  }, 300_000);

  it('TypeScript checks a CommonJS program against the CommonJS declarations (node16, nodenext, node10 resolution)', async () => {
    const project = installed();
    const ws = workspace();
    await project.adopt(ws);
    const example = await readmeBlock('// keys.ts');
    await ws.writeFile('keys.ts', example);
    await ws.writeFile('wrong.ts', example.replace("roles: ['READONLY'], expires: '90d'", "roles: 'READONLY', expires: '90d'"));
    const tsc = (...flags: string[]) =>
      project
        .exec(process.execPath, [ws.path('node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--types', 'node', '--listFiles', ...flags, 'keys.ts', 'wrong.ts'], { cwd: ws.dir })
        .then(() => 'tsc found no error', (error: { stdout: string }) => error.stdout);
    // node16 checks keyplan's declarations too (no --skipLibCheck); the other two only the program.
    for (const flags of [['--module', 'node16'], ['--module', 'nodenext', '--skipLibCheck'], ['--module', 'commonjs', '--moduleResolution', 'node10', '--skipLibCheck', '--ignoreDeprecations', '5.0']]) {
      const output = await tsc(...flags);
      const errors = output.split('\n').filter((line) => / error TS/.test(line));
      expect(errors, `${flags.join(' ')}\n${output}`).toHaveLength(1);
      expect(errors[0], flags.join(' ')).toMatch(/^wrong\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'readonly string\[\]'/);
      expect(output, flags.join(' ')).toContain('/node_modules/keyplan/dist/constructs/index.d.cts');
      expect(output, flags.join(' ')).not.toContain('/node_modules/keyplan/dist/constructs/index.d.ts');
    }
  }, 300_000);

  it('a construction error points at the program line; a plan problem names the key at its line, never a temporary file', async () => {
    const project = installed();
    const ws = workspace();
    await project.adopt(ws);
    const service = await ws.startKeyService();
    const run = (args: string[]) => ws.run(args, { bin: project.bin, env: { KEYS_URL: service.url, KEYPLAN_TOKEN: service.adminKey } });
    const bad = "const { ApiKey, KeyPlan } = require('keyplan/constructs');\nconst plan = new KeyPlan(undefined, 'keys');\nnew ApiKey(plan, 'A', { roles: ['READONLY'], expires: 'soon' });\nplan.synth();\n";
    await ws.writeFile('bad.cjs', bad);
    const thrown = await expectExit(run(['validate', '--app', 'node bad.cjs']), 1);
    expect(thrown.stderr).toContain('ApiKey keys/A: expires: must be a duration');
    expect(thrown.stderr).toMatch(new RegExp(`KeyPlanConstructError[^\\n]*\\n\\s+at [^\\n]*bad\\.cjs:${at(bad, 'new ApiKey')}`));

    const homeless = `const { ApiKey, KeyPlan, Provider, Team } = require('keyplan/constructs');
const plan = new KeyPlan(undefined, 'keys');
new Provider(plan, 'prod', { type: 'http', url: process.env.KEYS_URL, tokenEnv: 'KEYPLAN_TOKEN' });
const team = new Team(plan, 'team-sync');
new ApiKey(team, 'Sync_Writer', { roles: ['READONLY'], expires: '90d', deliver: [{ type: 'file', path: 'sync.env', var: 'KEY' }] });
new ApiKey(team, 'Sync_Reader', { roles: ['READONLY'], expires: '90d' });
plan.synth();
`;
    await ws.writeFile('keys.cjs', homeless);
    const problem = await expectExit(run(['plan', '--app', 'node keys.cjs']), 1);
    expect(problem.stdout).toContain(`error keys.cjs:${at(homeless, "new ApiKey(team, 'Sync_Reader'")}: Sync_Reader: gets a new secret with nowhere to deliver it`);
    expect(`${problem.stdout}${problem.stderr}`).not.toMatch(/keyplan-app-|keys\.yaml/);

    // A whole-tree rule broken at synth(): each problem names the construct and its line.
    const duplicate = homeless.replace("new ApiKey(team, 'Sync_Reader', {", "new ApiKey(team, 'Sync_Reader', { name: 'Sync_Writer',");
    await ws.writeFile('keys.cjs', duplicate);
    const synth = await expectExit(run(['plan', '--app', 'node keys.cjs']), 1);
    expect(synth.stderr).toContain(
      `team-sync/Sync_Reader (keys.cjs:${at(duplicate, "new ApiKey(team, 'Sync_Reader'")}): duplicate key \`Sync_Writer\` in provider \`prod\`: first declared at team-sync/Sync_Writer (keys.cjs:${at(duplicate, "new ApiKey(team, 'Sync_Writer'")})`,
    );
    await sweepFiles(ws, []);
  }, 300_000);
});
