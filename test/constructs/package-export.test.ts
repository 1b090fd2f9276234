import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

// Resolved the way a user's program resolves it: through package.json "exports" (the built dist/).
describe('the keyplan/constructs subpath export', () => {
  it('exports the four constructs and their errors', async () => {
    const script = "const m = await import('keyplan/constructs'); console.log(Object.keys(m).sort().join(' '));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect(stdout.trim()).toBe('ApiKey KeyPlan KeyPlanConstructError KeyPlanSynthError Provider Team');
  });

  it('loads through require() too, as the same module', async () => {
    const script = "const c = require('keyplan/constructs'); import('keyplan/constructs').then((m) => console.log(require.resolve('keyplan/constructs'), m.ApiKey === c.ApiKey));";
    const { stdout, stderr } = await run(process.execPath, ['-e', script], { cwd: root });
    expect(stdout.trim()).toBe(`${root}dist/constructs/index.cjs true`);
    expect(stderr).toBe('');
  });

  it('ships type declarations and keeps the CLI bin', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      bin: Record<string, string>;
      exports: Record<string, unknown>;
      peerDependencies: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.bin.keyplan).toBe('bin/keyplan.js');
    expect(manifest.exports['./constructs']).toEqual({
      import: { types: './dist/constructs/index.d.ts', default: './dist/constructs/index.js' },
      require: { types: './dist/constructs/index.d.cts', default: './dist/constructs/index.cjs' },
    });
    // Two copies of constructs in one program break it: a peer, never a dependency.
    expect(manifest.peerDependencies.constructs).toBe('^10.0.0');
    expect(manifest.dependencies).not.toHaveProperty('constructs');
    expect(manifest.dependencies).not.toHaveProperty('cdktf');
    expect(manifest.dependencies).not.toHaveProperty('cdktn');
  });
});
