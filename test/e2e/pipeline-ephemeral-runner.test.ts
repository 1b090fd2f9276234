import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { activeByName, apply, expectExit, httpTarget, localTarget, recoveryFiles, secretIn, sweepFiles, writeConfig, type ApplyTarget } from './helpers/apply-world.js';
import { verifiedName } from './helpers/pipeline.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const SINK = 'out/secrets.json';
const runnerKey = { name: 'Runner_Svc', description: 'Runner service', roles: ['READONLY'], expires: '30d', deliver: [{ type: 'file', path: SINK, format: 'json', var: 'RUNNER_SVC_KEY' }] };

/** The ephemeral-runner sequence: a sink fails, the runner's disk (its state directory) is lost, a fresh runner plans. */
async function loseTheRunner(ws: E2eWorkspace, target: ApplyTarget): Promise<void> {
  const env = { KP_E2E_TOKEN: target.service.adminKey };
  await writeConfig(ws, target, [runnerKey]);
  // A sink that fails at apply time (plan cannot know the file's content is broken).
  await ws.writeFile(SINK, '{ not json');
  const failed = await expectExit(apply(ws, target), 1);
  expect(failed.stdout).toContain('delivery failed');
  expect(await recoveryFiles(ws)).toHaveLength(1);
  const created = await activeByName(target.service, 'Runner_Svc');
  // The failed delivery is on the key itself: no plan anywhere takes it for another apply's delivery under way.
  expect(created.metadata['keyplan-delivery']).toBe('failed');
  await sweepFiles(ws, []);

  // A fresh runner: the state directory (journal and recovery file) is gone.
  await rm(ws.path('.keyplan'), { recursive: true, force: true });
  const plan = await expectExit(ws.run(['plan', '--detailed-exitcode'], { env }), 2);
  expect(plan.stdout).toContain('Runner_Svc');
  expect(plan.stdout).toMatch(/created (less than a minute|\d+ minutes?) ago, its secret never reached a sink .* rotate to deliver a new one/);
  expect(plan.stdout).not.toContain('No changes');

  // Fixed sink: the next apply rotates, delivers, and clears the mark.
  await ws.writeFile(SINK, '{}\n');
  const rotated = await expectExit(apply(ws, target), 0);
  expect(rotated.stdout).toContain('1 rotated');
  const secret = await secretIn(ws, SINK, 'RUNNER_SVC_KEY');
  expect(await verifiedName(target.service, secret)).toBe('Runner_Svc');
  expect((await activeByName(target.service, 'Runner_Svc')).metadata['keyplan-delivery']).toBeUndefined();
  const clean = await expectExit(ws.run(['plan', '--detailed-exitcode'], { env }), 0);
  expect(clean.stdout).toContain('No changes');
  await sweepFiles(ws, [SINK]);
}

describe('an ephemeral runner that loses its state directory', () => {
  const workspace = useWorkspace();

  it('leaves the undelivered key visible to the next plan on any machine (keyplan serve)', async () => {
    const ws = workspace();
    await loseTheRunner(ws, httpTarget(await ws.startKeyService()));
  }, 120_000);

  it('leaves the undelivered key visible with the local provider too (store outside the state directory)', async () => {
    const ws = workspace();
    await loseTheRunner(ws, await localTarget(ws, 'store/keys.db'));
  }, 120_000);

  it('a delivered key carries no mark, and a plan after it says No changes', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    await writeConfig(ws, target, [runnerKey]);
    await expectExit(apply(ws, target), 0);
    expect((await activeByName(target.service, 'Runner_Svc')).metadata['keyplan-delivery']).toBeUndefined();
    await rm(ws.path('.keyplan'), { recursive: true, force: true });
    const plan = await expectExit(ws.run(['plan', '--detailed-exitcode'], { env: { KP_E2E_TOKEN: target.service.adminKey } }), 0);
    expect(plan.stdout).toContain('No changes');
    await sweepFiles(ws, [SINK]);
  }, 120_000);
});
