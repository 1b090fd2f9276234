import { describe, expect, it } from 'vitest';
import { apply, expectExit, httpTarget, localTarget, sweepFiles, writeConfig, type ApplyTarget } from './helpers/apply-world.js';
import { describeRun, type CliResult } from './helpers/cli.js';
import { deadPid, dotenvKey, expectDelivered, lockFileText, startTogether } from './helpers/pipeline.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

const SINK = '.keyplan/secrets.env';
const ROUNDS = 20;
const KEYS_PER_ROUND = 6;

/** One of two applies started together ran; the other found the lock held, or ran after it and found nothing to do. */
function expectOneRan(results: CliResult[], created: number): void {
  const ran = results.filter((r) => r.exitCode === 0 && r.stdout.includes(`Apply complete: ${created} created`));
  expect(ran, results.map(describeRun).join('\n')).toHaveLength(1);
  const other = results.find((r) => r !== ran[0]) as CliResult;
  if (other.exitCode === 0) expect(other.stdout, describeRun(other)).toContain('No changes');
  else {
    expect(other.exitCode, describeRun(other)).toBe(1);
    expect(other.stderr).toMatch(/another apply of this configuration is running: pid \d+ on host .+, started .+ \(keyplan apply\), lock ID [0-9a-f]+/);
    expect(other.stderr).toMatch(/keyplan force-unlock [0-9a-f]+/);
    expect(other.stderr).not.toMatch(/\n\s+at /);
  }
}

async function race(ws: E2eWorkspace, target: ApplyTarget): Promise<void> {
  const names: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (let i = 1; i <= KEYS_PER_ROUND; i++) names.push(`R${round}_K${i}`);
    await writeConfig(ws, target, names.map((name) => dotenvKey(name, SINK)));
    expectOneRan(await startTogether(ws, target, ['apply', '--auto-approve']), KEYS_PER_ROUND);
    await expectDelivered(ws, target.service, SINK, names);
  }
  const plan = await expectExit(ws.run(['plan'], { env: { KP_E2E_TOKEN: target.service.adminKey } }), 0);
  expect(plan.stdout).toContain('No changes');
}

describe('two applies of one checkout started at the same moment', () => {
  const workspace = useWorkspace();

  it(`never lose a secret (${ROUNDS} races, keyplan serve): one applies, the other is refused by the lock naming its holder`, async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    await race(ws, target);
    // Rotations raced too: every expiry changes, two applies at once, and no sink may end with a revoked secret.
    const names = Array.from({ length: KEYS_PER_ROUND }, (_, i) => `R1_K${i + 1}`);
    for (const expires of ['40d', '50d']) {
      await writeConfig(ws, target, names.map((name) => dotenvKey(name, SINK, { expires })));
      const results = await startTogether(ws, target, ['apply', '--auto-approve', '--force', '--allow-in-use']);
      expect(results.filter((r) => r.exitCode === 0 && r.stdout.includes(`${KEYS_PER_ROUND} rotated`)), results.map(describeRun).join('\n')).toHaveLength(1);
      await expectDelivered(ws, target.service, SINK, names);
    }
    await sweepFiles(ws, [SINK]);
  }, 600_000);

  it('never lose a secret with the local provider either', async () => {
    const ws = workspace();
    const target = await localTarget(ws);
    const names = Array.from({ length: KEYS_PER_ROUND }, (_, i) => `L_K${i + 1}`);
    await writeConfig(ws, target, names.map((name) => dotenvKey(name, SINK)));
    expectOneRan(await startTogether(ws, target, ['apply', '--auto-approve']), KEYS_PER_ROUND);
    await expectDelivered(ws, target.service, SINK, names);
    await sweepFiles(ws, [SINK]);
  }, 120_000);
});

describe('the apply lock', () => {
  const workspace = useWorkspace();

  it('is taken over from a dead process of this host, refuses a live holder by name, and yields to force-unlock', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    await writeConfig(ws, target, [dotenvKey('Locked', SINK)]);

    await ws.writeFile('.keyplan/apply.lock', lockFileText('deadbeef0001', await deadPid()));
    await expectExit(apply(ws, target), 0);
    expect(await ws.readFile('.keyplan/apply.lock').catch(() => 'gone')).toBe('gone');

    // This test's own process is alive: its lock stands until broken.
    await writeConfig(ws, target, [dotenvKey('Locked', SINK), dotenvKey('Second', SINK)]);
    await ws.writeFile('.keyplan/apply.lock', lockFileText('cafe00000002', process.pid));
    const refused = await expectExit(apply(ws, target), 1);
    expect(refused.stderr).toContain(`pid ${process.pid} on host`);
    expect(refused.stderr).toContain('lock ID cafe00000002');
    expect(refused.stderr).toContain('keyplan force-unlock cafe00000002');
    expect(refused.stderr).toContain('Nothing was changed.');

    // --lock-timeout waits; a force-unlock from elsewhere lets it go ahead.
    const waiting = ws.start(['apply', '--auto-approve', '--lock-timeout', '2m'], { env: { KP_E2E_TOKEN: target.service.adminKey } });
    await waiting.printed('Waiting up to 120 s for the apply lock');
    const unlocked = await expectExit(ws.run(['force-unlock', 'cafe00000002']), 0);
    expect(unlocked.stdout).toContain('Removed the apply lock cafe00000002');
    await expectExit(waiting.done, 0);
    await expectDelivered(ws, target.service, SINK, ['Locked', 'Second']);

    const unknown = await expectExit(ws.run(['force-unlock', 'nosuchlock'], { env: { KP_E2E_TOKEN: target.service.adminKey } }), 1);
    expect(unknown.stderr).toContain('no apply lock or lease has ID nosuchlock');
    await sweepFiles(ws, [SINK]);
  }, 120_000);

  it('lives in KEYPLAN_STATE_DIR or state_dir:, with the journal and recovery files', async () => {
    const ws = workspace();
    const target = httpTarget(await ws.startKeyService());
    await ws.writeKeysYaml({ providers: { main: target.provider }, keys: [dotenvKey('StateDir', 'out/s.env')], ...({ state_dir: 'ci-state' } as object) });
    await ws.writeFile('ci-state/apply.lock', lockFileText('abc000000003', process.pid));
    const refused = await expectExit(apply(ws, target), 1);
    expect(refused.stderr).toContain('ci-state/apply.lock');
    const viaEnv = await expectExit(ws.run(['apply', '--auto-approve'], { env: { KP_E2E_TOKEN: target.service.adminKey, KEYPLAN_STATE_DIR: 'elsewhere' } }), 0);
    expect(viaEnv.stdout).toContain('Apply complete: 1 created');
    await sweepFiles(ws, ['out/s.env']);
  }, 120_000);
});
