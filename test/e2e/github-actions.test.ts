import { describe, expect, it } from 'vitest';
import { describeRun } from './helpers/cli.js';
import { useWorkspace } from './helpers/workspace.js';
import { renderGfm, visibleText } from '../render/gfm.js';

const ACTIONS = { GITHUB_ACTIONS: 'true' };

describe('keyplan in GitHub Actions: annotations and the step summary', () => {
  const workspace = useWorkspace('keyplan-e2e-actions-');

  it('annotates every configuration error at its file, line and column', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', 'version: 1\nkeys:\n  - name: Billing_Reader\n    roles: [READONLY]\n    expires: 90 days\n    colour: blue\n');
    const result = await ws.run(['validate'], { env: ACTIONS });
    expect(result.exitCode, describeRun(result)).toBe(1);
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations).toHaveLength(2);
    for (const line of annotations) expect(line).toMatch(/^::error file=keys\.yaml,line=\d+,col=\d+,title=keyplan%3A invalid configuration::\S/);
    expect(result.stderr).toContain('keys.yaml:5:');
    const plain = await ws.run(['validate'], { env: { GITHUB_ACTIONS: undefined } });
    expect(plain.stdout).not.toContain('::error');
  });

  it('annotates plan warnings that block apply before the others, at the key they concern', async () => {
    const ws = workspace();
    await ws.writeKeysYaml({
      keys: [
        { name: 'Ops_Bot', roles: ['READONLY'], expires: '30d' },
        { name: 'Export_Job', roles: ['READONLY'], expires: '30d', consumers: ['nightly-export'] },
      ],
    });
    const applied = await ws.run(['apply', '--auto-approve', '--secrets-out', 'secrets.env']);
    expect(applied.exitCode, describeRun(applied)).toBe(0);
    for (const value of (await ws.readFile('secrets.env')).match(/kp_[A-Za-z0-9_-]+/g) ?? []) ws.secrets.addSecret(value);
    await ws.writeKeysYaml({ keys: [{ name: 'Ops_Bot', roles: ['ADMIN'], expires: '30d' }] });

    const summaryPath = ws.path('summary.md');
    const result = await ws.run(['plan'], { env: { ...ACTIONS, GITHUB_STEP_SUMMARY: summaryPath } });
    expect(result.exitCode, describeRun(result)).toBe(0);
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations[0]).toMatch(/^::warning file=keys\.yaml,line=1,col=1,title=keyplan%3A revoke Export_Job \(apply refuses%3A allow-in-use\)::Export_Job \(\S+\) has declared consumers: nightly-export$/);
    expect(annotations[1]).toMatch(/^::warning file=keys\.yaml,line=3,col=\d+,title=keyplan%3A update Ops_Bot::Ops_Bot gains permissions/);
    const summary = visibleText(renderGfm(await ws.readFile('summary.md')));
    expect(summary).toContain('keyplan plan for keys.yaml Plan: 0 to create, 1 to update, 0 to rotate, 1 to revoke.');
  });

  it('appends the audit to the step summary after what earlier steps wrote', async () => {
    const ws = workspace();
    await ws.writeKeysYaml({ keys: [{ name: 'Ops_Bot', roles: ['READONLY'], expires: '30d' }] });
    await ws.writeFile('summary.md', '# Earlier step\n');
    const result = await ws.run(['audit'], { env: { GITHUB_STEP_SUMMARY: ws.path('summary.md') } });
    expect(result.exitCode, describeRun(result)).toBe(0);
    const summary = await ws.readFile('summary.md');
    expect(summary.startsWith('# Earlier step\n## keyplan audit\n')).toBe(true);
  });
});
