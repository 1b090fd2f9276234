import { describe, expect, it } from 'vitest';
import { useInstalledKeyplan } from './helpers/installed-package.js';
import { readmeBlock, readmeRoundTrip } from './helpers/readme.js';
import { useWorkspace } from './helpers/workspace.js';

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
    await readmeRoundTrip(ws, project, app, file);
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
