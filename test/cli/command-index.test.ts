import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarizeCommands } from '../../src/cli/command-index.js';
import { buildProgram } from '../../src/cli/main.js';

const argv = ['node', 'keyplan', '--help'];
const noIndex = () => undefined;

describe('the command index behind `keyplan --help`', () => {
  it('gives the same top-level help as loading every command module', async () => {
    const full = await buildProgram(argv, () => {}, noIndex);
    const summaries = summarizeCommands(full);
    expect(summaries.map((s) => s.name)).toEqual(['validate', 'plan', 'apply', 'audit', 'import', 'roles', 'diff', 'serve', 'force-unlock']);
    const standIns = await buildProgram(argv, () => {}, () => summaries);
    expect(standIns.helpInformation()).toBe(full.helpInformation());
  });

  it('is used only when no command is named', async () => {
    const named = await buildProgram(['node', 'keyplan', 'validate', '--help'], () => {}, () => {
      throw new Error('the index was read');
    });
    expect(named.commands.map((c) => c.name())).toEqual(['validate']);
  });

  it('matches the commands of the build (npm run build writes it)', async () => {
    const bin = join(import.meta.dirname, '../../bin/keyplan.js');
    const built = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '80' } });
    const full = await buildProgram(argv, () => {}, noIndex);
    full.configureOutput({ getOutHelpWidth: () => 80 });
    expect(built.status).toBe(0);
    expect(built.stdout).toBe(full.helpInformation());
  });
});
