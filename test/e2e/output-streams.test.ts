import { describe, expect, it } from 'vitest';
import type { KeysYamlKey } from './helpers/keys-yaml.js';
import { apply, expectExit, localTarget, sweepFiles, writeConfig } from './helpers/apply-world.js';
import { useWorkspace } from './helpers/workspace.js';

const SECRETS_OUT = 'out/secrets.env';

function key(name: string): KeysYamlKey {
  return { name, description: `${name} key`, roles: ['READONLY'], expires: '30d' };
}

describe('output a person and a pipeline can use', () => {
  const workspace = useWorkspace();

  it('apply writes the plan, a line per action and the summary to stdout (so `| tee` keeps the run), nothing to stderr', async () => {
    const ws = workspace();
    const target = await localTarget(ws);
    await writeConfig(ws, target, [key('Alpha'), key('Beta')]);
    const run = await expectExit(apply(ws, target, ['--auto-approve', '--secrets-out', SECRETS_OUT]), 0);
    expect(run.stdout).toContain('+ create Alpha');
    expect(run.stdout).toContain('Plan: 2 to create, 0 to update, 0 to rotate, 0 to revoke.');
    expect(run.stdout).toMatch(/✓ created main\/Alpha \(key_[^)]+\); secret delivered to out\/secrets\.env \(ALPHA\)/);
    expect(run.stdout).toContain('Apply complete: 2 created, 0 updated, 0 rotated, 0 revoked.');
    expect(run.stderr).toBe('');

    // --format json: stdout is the report alone, the run goes to stderr.
    await writeConfig(ws, target, [key('Alpha')]);
    const json = await expectExit(apply(ws, target, ['--auto-approve', '--allow-in-use', '--format', 'json']), 0);
    expect(JSON.parse(json.stdout)).toMatchObject({ success: true, actions: [{ action: 'revoke', name: 'Beta', status: 'done' }] });
    expect(json.stderr).toContain('- revoke Beta');

    // An error goes to stderr.
    await writeConfig(ws, target, [key('Alpha'), key('Gamma')]);
    const refused = await expectExit(apply(ws, target, ['--auto-approve']), 1);
    expect(refused.stdout).toContain('Gamma: gets a new secret with nowhere to deliver it');
    expect(refused.stderr).toMatch(/^Error: the plan has problems/m);
    await sweepFiles(ws, [SECRETS_OUT]);
  });

  it('a command piped into `head` ends quietly when the reader goes away', async () => {
    const ws = workspace();
    const keys = Array.from({ length: 1500 }, (_, i) => key(`Key_${i}`));
    await ws.writeKeysYaml({ providers: { main: { type: 'local', path: '.keyplan/keys.db' } }, keys });
    const run = ws.start(['plan', '--secrets-out', 'secrets.env']);
    // What `head -1` does: read a little, then close the pipe while keyplan still has output to write.
    run.child.stdout?.once('data', () => run.child.stdout?.destroy());
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('serve on a port in use is a one-line error, exit 1', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    const result = await expectExit(ws.run(['serve', '--port', String(service.port), '--db', 'second.db']), 1);
    expect(result.stderr).toBe(`Error: cannot listen on 127.0.0.1:${service.port}: the port is already in use; pick another with --port (0 picks a free one)\n`);
    expect(result.stdout).toBe('');
  });
});
