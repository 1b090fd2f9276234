import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ApiKey, KeyPlan, Team } from '../../src/constructs/index.js';
import { describeRun, runCli } from '../e2e/helpers/cli.js';
import { thrown, useProjectDir } from './helpers.js';

const projectDir = useProjectDir();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

interface TerraformModule {
  App: new (props: { outdir: string }) => { synth(): void };
  TerraformStack: new (scope: unknown, id: string) => object;
}

// CDKTF (archived by HashiCorp) and its community fork CDK Terrain: keyplan imports neither; these tests do.
describe.each(['cdktf', 'cdktn'])('a KeyPlan inside a %s app', (library) => {
  const load = async () => (await import(library)) as TerraformModule;

  it('synthesizes keys.yaml beside the stack\'s cdk.tf.json, and keyplan plans it', async () => {
    const { App, TerraformStack } = await load();
    const dir = projectDir();
    const outdir = join(dir, 'cdktf.out');
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'infra');
    const plan = new KeyPlan(stack as never, 'keys', { projectDir: dir });
    const team = new Team(plan, 'team-a');
    for (const env of ['staging', 'prod']) new ApiKey(team, `Sync_${env}`, { roles: ['READONLY'], expires: '90d' });
    app.synth();

    const stackDir = join(outdir, 'stacks', 'infra');
    expect(existsSync(join(stackDir, 'cdk.tf.json'))).toBe(true);
    const text = readFileSync(join(stackDir, 'keys.yaml'), 'utf8');
    expect(text).toMatch(/# construct: team-a\/Sync_prod \(\S+\/test\/constructs\/cdktf\.test\.ts:\d+:\d+\)\n/);
    expect(text).toContain('path: ../../../.keyplan/keys.db\n');

    const result = await runCli(['plan', '-c', join(stackDir, 'keys.yaml'), '--secrets-out', join(dir, 'secrets.env')], { cwd: dir });
    expect(result.exitCode, describeRun(result)).toBe(0);
    expect(result.stdout).toContain('Plan: 2 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(existsSync(join(dir, '.keyplan', 'keys.db'))).toBe(true);
  });

  it('runs keyplan\'s rules in the app\'s own validation', async () => {
    const { App, TerraformStack } = await load();
    const dir = projectDir();
    const app = new App({ outdir: join(dir, 'cdktf.out') });
    const plan = new KeyPlan(new TerraformStack(app, 'infra') as never, 'keys', { projectDir: dir });
    new ApiKey(plan, 'A', { roles: ['READONLY'] });
    new ApiKey(plan, 'B', { name: 'A', roles: ['READONLY'] });
    expect(thrown(() => app.synth()).message).toMatch(/B \(\S+cdktf\.test\.ts:\d+:\d+\): duplicate key `A`/);
    expect(existsSync(join(dir, 'cdktf.out', 'stacks', 'infra', 'keys.yaml'))).toBe(false);
  });

  it('works in a CommonJS app too: require() of the library and of keyplan/constructs', async () => {
    const dir = projectDir();
    // Resolved from the checkout's package.json: the library from node_modules, keyplan/constructs by its export.
    const program = `const { createRequire } = require('node:module');
const load = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
const { App, TerraformStack } = load(${JSON.stringify(library)});
const { ApiKey, KeyPlan, Team } = load('keyplan/constructs');
const app = new App({ outdir: 'cdktf.out' });
const plan = new KeyPlan(new TerraformStack(app, 'infra'), 'keys');
new ApiKey(new Team(plan, 'team-a'), 'Sync_prod', { roles: ['READONLY'], expires: '90d' });
app.synth();
console.log(load.resolve('keyplan/constructs'));
`;
    writeFileSync(join(dir, 'main.cjs'), program);
    const { stdout } = await run(process.execPath, ['main.cjs'], { cwd: dir });
    expect(stdout.trim()).toBe(join(ROOT, 'dist', 'constructs', 'index.cjs'));
    const text = readFileSync(join(dir, 'cdktf.out', 'stacks', 'infra', 'keys.yaml'), 'utf8');
    expect(text).toContain('# construct: team-a/Sync_prod (../../../main.cjs:7:1)\n');
    expect(existsSync(join(dir, 'cdktf.out', 'stacks', 'infra', 'cdk.tf.json'))).toBe(true);
  });

  it('refuses a KeyPlan directly under the App, where it would never be synthesized', async () => {
    const { App } = await load();
    const app = new App({ outdir: join(projectDir(), 'cdktf.out') });
    expect(thrown(() => new KeyPlan(app as never, 'keys')).message).toContain('put it in a TerraformStack');
  });
});
