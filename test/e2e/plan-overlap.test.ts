import { describe, expect, it } from 'vitest';
import { planBenchYaml } from '../../bench/configs.mjs';
import { OVERLAP_MIN_BYTES } from '../../src/engine/plan-overlap.js';
import { describeRun } from './helpers/cli.js';
import { useWorkspace } from './helpers/workspace.js';

// A root file this large makes `plan` list the keys while the config loads (src/engine/plan-overlap.ts).
// Whatever goes wrong, it must report what the one-after-the-other plan reported: config errors first.
const TOKEN_ENV = 'KP_OVERLAP_TOKEN';
const KEYS = 1400;
const UNREACHABLE = 'http://127.0.0.1:9'; // discard port: nothing listens

describe('plan listing while the config loads', () => {
  const workspace = useWorkspace();

  it('is what these tests run: the root file is large enough', () => {
    expect(planBenchYaml(KEYS, UNREACHABLE, TOKEN_ENV).length).toBeGreaterThanOrEqual(OVERLAP_MIN_BYTES);
  });

  it('reports a config error, not the listing failure, when both happen', async () => {
    const ws = workspace();
    const yaml = planBenchYaml(KEYS, UNREACHABLE, TOKEN_ENV).replace('    roles: [READONLY]\n', '    roles: READONLY\n');
    await ws.writeFile('keys.yaml', yaml);
    const line = yaml.split('\n').indexOf('    roles: READONLY') + 1;
    const result = await ws.run(['plan'], { env: { [TOKEN_ENV]: 'kp-token-for-nothing' } });
    expect(result.exitCode, describeRun(result)).toBe(1);
    expect(result.stderr).toContain(`keys.yaml:${line}:12`);
    expect(result.stderr).not.toContain('127.0.0.1:9');
  });

  it('reports a missing token, once the config is known to be valid', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', planBenchYaml(KEYS, UNREACHABLE, TOKEN_ENV));
    const result = await ws.run(['plan']);
    expect(result.exitCode, describeRun(result)).toBe(1);
    expect(result.stderr).toBe(
      `Error: provider "bench" (${UNREACHABLE}) needs a key service token in the environment variable ${TOKEN_ENV}, which is not set\n`,
    );
  });

  it('reports an unknown --provider as a usage error', async () => {
    const ws = workspace();
    await ws.writeFile('keys.yaml', planBenchYaml(KEYS, UNREACHABLE, TOKEN_ENV));
    const result = await ws.run(['plan', '--provider', 'elsewhere'], { env: { [TOKEN_ENV]: 'kp-token-for-nothing' } });
    expect(result.exitCode, describeRun(result)).toBe(1);
    expect(result.stderr).toBe('Error: --provider elsewhere: no such provider in the config; declared: bench\n');
  });

  it('plans from the keys listed early, the same plan as the served store gives', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await service.createKey('Bench_Key_000002', ['READONLY'], { description: 'Generated key 2', metadata: { 'managed-by': 'keyplan' } });
    await service.createKey('Stray', ['READONLY'], { metadata: { 'managed-by': 'keyplan' } });
    await ws.writeFile('keys.yaml', planBenchYaml(KEYS, service.url, TOKEN_ENV));
    const result = await ws.run(['plan', '--format', 'json', '--secrets-out', 'secrets.env'], { env: { [TOKEN_ENV]: service.adminKey } });
    expect(result.exitCode, describeRun(result)).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.summary).toEqual({ create: KEYS / 2 - 1, update: 1, rotate: 0, revoke: 1, finish: 0 });
  });

  it('saves a plan whose fingerprint (hashed while the config loaded) is the one apply recomputes', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await service.createKey('Stray', ['READONLY'], { metadata: { 'managed-by': 'keyplan' } });
    await ws.writeFile('keys.yaml', planBenchYaml(KEYS, service.url, TOKEN_ENV));
    const env = { [TOKEN_ENV]: service.adminKey };
    const saved = await ws.run(['plan', '--out', 'saved.plan', '--secrets-out', 'secrets.env'], { env });
    expect(saved.exitCode, describeRun(saved)).toBe(0);
    // Without a terminal, apply stops at the confirmation: only after the saved plan was found current.
    const fresh = await ws.run(['apply', 'saved.plan', '--secrets-out', 'secrets.env'], { env });
    expect(fresh.exitCode, describeRun(fresh)).toBe(1);
    expect(fresh.stderr).toContain('apply needs confirmation');
    await service.createKey('Another', ['READONLY']);
    const stale = await ws.run(['apply', 'saved.plan', '--secrets-out', 'secrets.env'], { env });
    expect(stale.stderr).toContain('the saved plan is stale');
  });
});
