import { existsSync } from 'node:fs';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, sweepFiles } from './helpers/apply-world.js';
import { useWorkspace } from './helpers/workspace.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');
// Every example directory holding a keys.yaml (examples/github holds only workflow files).
const dirs = (await readdir(EXAMPLES, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
const examples = dirs.filter((name) => existsSync(join(EXAMPLES, name, 'keys.yaml')));

describe('every example validates, plans and applies as shipped', () => {
  const workspace = useWorkspace();

  it('there are examples', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples)('examples/%s', async (name) => {
    const ws = workspace();
    await cp(join(EXAMPLES, name), ws.path(name), { recursive: true });
    const config = ['-c', `${name}/keys.yaml`];
    const env = { GITHUB_TOKEN: undefined, GH_TOKEN: undefined };
    await expectExit(ws.run(['validate', ...config], { env }), 0);
    await expectExit(ws.run(['plan', '--detailed-exitcode', ...config], { env }), 2);
    await expectExit(ws.run(['apply', '--auto-approve', ...config], { env }), 0);
    const again = await expectExit(ws.run(['plan', '--detailed-exitcode', ...config], { env }), 0);
    expect(again.stdout).toContain('No changes');
    // The secrets apply delivered: every file it wrote under .keyplan/ but the store, its pepper and the journal.
    const written = await readdir(ws.path(name, '.keyplan'));
    const sinks = written.filter((file) => !file.startsWith('keys.db') && file !== 'journal.json').map((file) => join(name, '.keyplan', file));
    expect(sinks.length).toBeGreaterThan(0);
    await sweepFiles(ws, sinks);
  });
});
