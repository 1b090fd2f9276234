/** A provider from an npm package (`type: package`): the example package, installed beside keys.yaml as npm would. */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectExit, readSecretsFile, sweepFiles } from './helpers/apply-world.js';
import { useWorkspace, type E2eWorkspace, type KeysYamlKey } from './helpers/index.js';

const PACKAGE = 'keyplan-provider-jsonfile';

async function install(ws: E2eWorkspace): Promise<string> {
  const target = ws.path('node_modules', PACKAGE);
  await cp(fileURLToPath(new URL('../../examples/provider-package', import.meta.url)), target, { recursive: true });
  return target;
}

function writeYaml(ws: E2eWorkspace, options: Record<string, unknown>, keys: KeysYamlKey[] = []): Promise<string> {
  return ws.writeKeysYaml({ providers: { notes: { type: 'package', package: PACKAGE, options } }, keys });
}

describe('type: package (a provider from an npm package)', () => {
  const workspace = useWorkspace();

  it('says to npm install a package that is not installed, positioned in keys.yaml', async () => {
    const ws = workspace();
    await writeYaml(ws, { path: 'keys.json' });
    const result = await expectExit(ws.run(['validate']), 1);
    expect(result.stderr).toMatch(new RegExp(`^keys\\.yaml:\\d+:\\d+: provider package ${PACKAGE} is not installed in .*; run: npm install ${PACKAGE}$`, 'm'));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("checks the options with the package's own schema, each error at its place in keys.yaml", async () => {
    const ws = workspace();
    await install(ws);
    await writeYaml(ws, { path: 3, colour: 'blue' });
    const result = await expectExit(ws.run(['validate']), 1);
    expect(result.stderr).toContain(`keys.yaml:7:13: providers.notes.options.path: must be string (schema of ${PACKAGE})`);
    expect(result.stderr).toContain(`keys.yaml:8:7: providers.notes.options.colour: is not an option of this provider (schema of ${PACKAGE})`);
  });

  it('plans and applies through the package: the delivered secret is one the package verifies, then no changes', async () => {
    const ws = workspace();
    const installed = await install(ws);
    await writeYaml(ws, { path: 'notes-keys.json' }, [{ name: 'notes-reader', description: 'Reads notes', roles: ['reader'], expires: '30d' }]);
    await expectExit(ws.run(['plan', '--detailed-exitcode', '--secrets-out', 'secrets.json']), 2);
    await expectExit(ws.run(['apply', '--auto-approve', '--secrets-out', 'secrets.json']), 0);
    const [secret] = [...(await readSecretsFile(ws, 'secrets.json')).values()] as [string];
    const { verifyKey } = (await import(pathToFileURL(join(installed, 'index.js')).href)) as { verifyKey(path: string, secret: string): Promise<boolean> };
    expect(await verifyKey(ws.path('notes-keys.json'), secret)).toBe(true);
    expect((await ws.readFile('notes-keys.json')).includes(secret)).toBe(false);
    await expectExit(ws.run(['plan', '--detailed-exitcode', '--secrets-out', 'secrets.json']), 0);
    const roles = await expectExit(ws.run(['roles']), 0);
    expect(roles.stdout).toContain('writer');
    await sweepFiles(ws, ['secrets.json']);
  });
});
