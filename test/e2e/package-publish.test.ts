import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, userEnv } from './helpers/installed-package.js';

const run = promisify(execFile);

interface Manifest {
  name: string;
  typesVersions: Record<string, Record<string, string[]>>;
  engines: { node: string };
  repository: { type: string; url: string };
  bin: Record<string, string>;
}

describe('package.json is ready to publish', () => {
  it('npm publish --dry-run passes, and the package holds the CLI, both entries of keyplan/constructs with their types, and the schema', async () => {
    // --ignore-scripts: `prepare` would rebuild dist/ under the feet of other tests; the build ran before the tests.
    const { stdout } = await run('npm', ['publish', '--dry-run', '--ignore-scripts', '--json'], { cwd: REPO_ROOT, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
    const result = JSON.parse(stdout) as Record<string, { name: string; files: { path: string }[] }>;
    const packed = result.keyplan ?? Object.values(result)[0];
    expect(packed?.name).toBe('keyplan');
    const files = new Set(packed?.files.map((file) => file.path));
    for (const needed of [
      'bin/keyplan.js',
      'dist/cli/main.js',
      'dist/constructs/index.js',
      'dist/constructs/index.d.ts',
      'dist/constructs/index.cjs',
      'dist/constructs/index.d.cts',
      'dist/constructs/types.d.cts',
      'dist/io/keys-schema.validators.cjs',
      'schema/keys.schema.json',
      'README.md',
      'LICENSE',
      'package.json',
    ]) expect(files, needed).toContain(needed);
    // No source maps pointing at sources the package does not hold, no tests, no sources.
    expect([...files].filter((file) => /\.map$|^(src|test|bench|scripts)\//.test(file))).toEqual([]);
  }, 300_000);

  // The exports themselves: test/constructs/package-export.test.ts.
  it('declares types for node10 resolution, the engines it needs and a repository for provenance', async () => {
    const manifest = JSON.parse(await readFile(`${REPO_ROOT}package.json`, 'utf8')) as Manifest;
    // TypeScript's node10 resolution (a CommonJS tsconfig without moduleResolution) reads typesVersions, not exports.
    expect(manifest.typesVersions['*']?.constructs).toEqual(['./dist/constructs/index.d.cts']);
    expect(manifest.engines.node).toBe('>=20.19'); // require() of an ES module without a flag
    // npm provenance checks the repository against the repository that built the package.
    expect(manifest.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/keyplan\.git$/) });
    expect(manifest.bin.keyplan).toBe('bin/keyplan.js');
  });
});
