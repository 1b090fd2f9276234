import { describe, expect, it } from 'vitest';
import { activeKeys, expectExit, secretIn, sweepFiles, whoami } from './helpers/apply-world.js';
import { useInstalledKeyplan, type InstalledKeyplan } from './helpers/installed-package.js';
import { readmeBlock } from './helpers/readme.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const KEYS = ['Billing_Reader', 'Invoice_Sync_prod', 'Invoice_Sync_staging'];
const SINKS = { Billing_Reader: ['.keyplan/secrets.env', 'BILLING_API_KEY'], Invoice_Sync_staging: ['.keyplan/invoice-sync-staging.env', 'INVOICE_API_KEY'], Invoice_Sync_prod: ['.keyplan/invoice-sync-prod.env', 'INVOICE_API_KEY'] } as const;

/**
 * The README's TypeScript example, copied verbatim from README.md into a fresh ES-module project that installed
 * keyplan from its tarball: run with tsx as keys.ts and with plain node as keys.mjs, through the installed CLI.
 */
describe('the README TypeScript example, verbatim, from the packed package', () => {
  const installed = useInstalledKeyplan('module', ['constructs', 'tsx', 'typescript', '@types/node']);
  const workspace = useWorkspace();

  // Budgets, not timings: each test runs the compiler or several CLI and program processes on a shared machine.
  it.each([
    ['keys.ts', 'npx tsx keys.ts'],
    ['keys.mjs', 'node keys.mjs'],
  ])('as %s (`%s`): plan, apply and audit work against a real key service', async (file, app) => {
    const project = installed();
    const ws = workspace();
    await project.adopt(ws);
    await ws.writeFile(file, await readmeBlock('// keys.ts'));
    await roundTrip(ws, project, app, file);
  }, 300_000);

  it('type-checks as written (strict, nodenext), and its types refuse a wrong value', async () => {
    const project = installed();
    const ws = workspace();
    await project.adopt(ws);
    const example = await readmeBlock('// keys.ts');
    await ws.writeFile('keys.ts', example);
    await ws.writeFile('wrong.ts', example.replace("expires: '1y'", "expires: '1 year'"));
    // One compiler run for both files: keys.ts must come out clean, wrong.ts with the error its types give.
    const tsc = [ws.path('node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--types', 'node', '--skipLibCheck', 'keys.ts', 'wrong.ts'];
    const output = await project.exec(process.execPath, tsc, { cwd: ws.dir }).then(
      () => 'tsc found no error',
      (error: { stdout: string }) => error.stdout,
    );
    expect(output).toMatch(/^wrong\.ts\(\d+,\d+\): error TS2322: Type '"1 year"' is not assignable to type 'Expiry/);
    expect(output.split('\n').filter((line) => /error TS/.test(line))).toHaveLength(1);
  }, 300_000);
});

/** plan (3 creates), apply (secrets delivered where the example says), plan again (nothing), audit. */
export async function roundTrip(ws: E2eWorkspace, project: InstalledKeyplan, app: string, file: string): Promise<void> {
  const service = await ws.startKeyService();
  const env = { KEYS_URL: service.url, KEYPLAN_TOKEN: service.adminKey };
  const run = (args: string[]) => ws.run(args, { env, bin: project.bin });

  const plan = await expectExit(run(['plan', '--app', app, '--detailed-exitcode']), 2);
  expect(plan.stdout).toContain('Plan: 3 to create, 0 to update, 0 to rotate, 0 to revoke.');
  expect(`${plan.stdout}${plan.stderr}`).not.toContain('keyplan-app-');

  const applied = await expectExit(run(['apply', '--auto-approve', '--app', app]), 0);
  expect(applied.stdout).toContain('Apply complete: 3 created, 0 updated, 0 rotated, 0 revoked.');
  const live = await activeKeys(service);
  expect(live.map((key) => key.name).sort()).toEqual(KEYS);
  for (const [name, [path, variable]] of Object.entries(SINKS)) {
    expect(await whoami(service, await secretIn(ws, path, variable))).toEqual({ status: 200, name });
  }

  await expectExit(run(['plan', '--app', app, '--detailed-exitcode']), 0);
  const audit = await expectExit(run(['audit', '--app', app, '--format', 'json']), 0);
  const report = JSON.parse(audit.stdout) as { keys: { name: string; declared: boolean; source: { file: string; line: number } | null; findings: unknown[] }[] };
  const declared = report.keys.filter((key) => key.declared);
  expect(declared.map((key) => key.name).sort()).toEqual(KEYS);
  // Fresh keys have no findings; each is located at the program line that declared it, not in a temporary file.
  const program = (await ws.readFile(file)).split('\n');
  const line = program.findIndex((text) => text.includes("new ApiKey(billing, 'Billing_Reader'")) + 1;
  for (const key of declared) expect(key.findings).toEqual([]);
  expect(declared.find((key) => key.name === 'Billing_Reader')?.source).toMatchObject({ file, line });
  await sweepFiles(ws, Object.values(SINKS).map(([path]) => path));
}
