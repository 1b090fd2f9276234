import { mkdir, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, sweepFiles } from './helpers/apply-world.js';
import { REPO_ROOT, useInstalledKeyplan } from './helpers/installed-package.js';
import { readmeBlock } from './helpers/readme.js';
import { useWorkspace } from './helpers/workspace.js';

/** The line and column where `code` starts in `text` (what a stack frame gives for a `new` there). */
function at(text: string, code: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((candidate) => candidate.includes(code));
  expect(line, code).toBeGreaterThanOrEqual(0);
  return `${line + 1}:${(lines[line] ?? '').indexOf(code) + 1}`;
}

describe('keyplan/constructs in an ES-module project ("type": "module"), from the packed package', () => {
  const installed = useInstalledKeyplan('module', ['constructs', 'tsx']);
  const workspace = useWorkspace();

  it('import loads the installed copy with no warning, and createRequire() gets the very same classes', async () => {
    const project = installed();
    const script = `import { createRequire } from 'node:module';
import * as constructs from 'keyplan/constructs';
const require = createRequire(import.meta.url);
console.log(JSON.stringify({
  names: Object.keys(constructs).sort(), same: require('keyplan/constructs').KeyPlan === constructs.KeyPlan,
  resolved: import.meta.resolve('keyplan/constructs'),
}));`;
    const { stdout, stderr } = await project.exec(process.execPath, ['--input-type=module', '-e', script]);
    expect(stderr).toBe('');
    const loaded = JSON.parse(stdout) as { names: string[]; same: boolean; resolved: string };
    expect(loaded.names).toEqual(['ApiKey', 'KeyPlan', 'KeyPlanConstructError', 'KeyPlanSynthError', 'Provider', 'Team']);
    expect(loaded.same).toBe(true);
    expect(new URL(loaded.resolved).pathname).toBe(join(await realpath(project.dir), 'node_modules', 'keyplan', 'dist', 'constructs', 'index.js'));
    expect(new URL(loaded.resolved).pathname.startsWith(REPO_ROOT)).toBe(false);
  }, 300_000);

  it('the issue\'s example (two keys with no deliver:) fails plan at the program\'s lines, with no temporary file named or left', async () => {
    const project = installed();
    const ws = workspace();
    await project.adopt(ws);
    const service = await ws.startKeyService();
    const tmp = ws.path('tmp');
    await mkdir(tmp);
    const env = { KEYS_URL: service.url, KEYPLAN_TOKEN: service.adminKey, TMPDIR: tmp };
    // The README example as it stood: Invoice_Sync_* deliver nowhere.
    const example = (await readmeBlock('// keys.ts')).replace(/\n {4}deliver: \[\{ type: 'file', path: `[^\n]*`, var: 'INVOICE_API_KEY' \}\],/, '');
    expect(example).not.toContain('invoice-sync');
    await ws.writeFile('keys.ts', example);
    const plan = await expectExit(ws.run(['plan', '--app', 'npx tsx keys.ts'], { env, bin: project.bin }), 1);
    const line = at(example, 'new ApiKey(billing, `Invoice_Sync_${env}`');
    for (const name of ['Invoice_Sync_staging', 'Invoice_Sync_prod']) {
      expect(plan.stdout).toContain(`error keys.ts:${line}: ${name}: gets a new secret with nowhere to deliver it`);
    }
    expect(`${plan.stdout}${plan.stderr}`).not.toMatch(/keyplan-app-|keys\.yaml/);
    // Nothing of keyplan's left in TMPDIR (tsx keeps its own cache there).
    expect((await readdir(tmp)).filter((name) => name.startsWith('keyplan-'))).toEqual([]);
    await sweepFiles(ws, []);
  }, 300_000);

  it('a config error in what a program wrote names the construct and the program line', async () => {
    const project = installed();
    const ws = workspace();
    await project.adopt(ws);
    // A program that edits what synth would write (as one built against another keyplan version might).
    const program = `import { writeFileSync } from 'node:fs';
import { ApiKey, KeyPlan, Team } from 'keyplan/constructs';
const plan = new KeyPlan(undefined, 'keys');
new ApiKey(new Team(plan, 'team-ops'), 'Ops_Key', { roles: ['READONLY'], expires: '90d' });
writeFileSync(process.env.KEYPLAN_OUTDIR + '/keys.yaml', plan.toYaml(process.env.KEYPLAN_OUTDIR).replace('expires: 90d', 'expires: soon'));
`;
    await ws.writeFile('keys.mjs', program);
    const invalid = await expectExit(ws.run(['validate', '--app', 'node keys.mjs'], { bin: project.bin }), 1);
    expect(invalid.stderr).toContain(`keys.mjs:${at(program, 'new ApiKey(')}: team-ops/Ops_Key: keys[0].expires: must be a duration`);
    expect(invalid.stderr).not.toMatch(/keyplan-app-|kept for inspection/);
  }, 300_000);
});
