import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { activeKeys, expectExit, secretIn, sweepFiles, whoami } from './apply-world.js';
import { REPO_ROOT, type InstalledKeyplan } from './installed-package.js';
import type { E2eWorkspace } from './workspace.js';

const KEYS = ['Billing_Reader', 'Invoice_Sync_prod', 'Invoice_Sync_staging'];
/** Where the README example delivers each key's secret: file and variable. */
const SINKS = {
  Billing_Reader: ['.keyplan/secrets.env', 'BILLING_API_KEY'],
  Invoice_Sync_staging: ['.keyplan/invoice-sync-staging.env', 'INVOICE_API_KEY'],
  Invoice_Sync_prod: ['.keyplan/invoice-sync-prod.env', 'INVOICE_API_KEY'],
} as const;

/**
 * The body of the README's fenced code block whose first line is `firstLine` (e.g. `// keys.ts`), exactly as
 * written, so a test runs what a reader copies.
 */
export async function readmeBlock(firstLine: string): Promise<string> {
  const readme = await readFile(`${REPO_ROOT}README.md`, 'utf8');
  const blocks = [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  const found = blocks.filter((block) => block.startsWith(`${firstLine}\n`));
  if (found.length !== 1) throw new Error(`README.md has ${found.length} code blocks starting with ${JSON.stringify(firstLine)}; expected one`);
  return found[0] as string;
}

/**
 * The README example (already written to `file` in `ws`, a project of `project`) through the installed CLI
 * against a real key service: plan (3 creates), apply (each secret where the example delivers it), plan again
 * (nothing to do), audit (no findings; each key located at its line in the program).
 */
export async function readmeRoundTrip(ws: E2eWorkspace, project: InstalledKeyplan, app: string, file: string): Promise<void> {
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
