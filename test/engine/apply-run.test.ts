import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionOutcome } from '../../src/core/apply-outcome.js';
import { KeyplanError } from '../../src/core/errors.js';
import type { Plan } from '../../src/core/plan-types.js';
import { runApply, type ApplyHooks, type ApplyRequest } from '../../src/engine/apply-run.js';
import { serializePlanFile } from '../../src/engine/plan-file.js';
import { planFromConfig } from '../../src/engine/plan.js';

let dir: string;
const env = { KEYPLAN_PEPPER: 'test-pepper-of-32-bytes-or-more!!' };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-apply-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(names: string[]): Promise<string> {
  const keys = names.map((name) => `  - name: ${name}\n    description: ${name} key\n    roles: [READONLY]\n    expires: 30d\n    deliver: [{ type: file, path: ${join(dir, 'secrets.env')}, format: dotenv, var: ${name.toUpperCase()} }]\n`);
  const path = join(dir, 'keys.yaml');
  await writeFile(path, `version: 1\nproviders:\n  default: { type: local, path: ${join(dir, 'keys.db')} }\nkeys:\n${keys.join('')}`);
  return path;
}

/** Hooks that record what the CLI would show and approve everything. */
function recorder(approve = true) {
  const seen = { plans: [] as Plan[], outcomes: [] as ActionOutcome[], asked: 0 };
  const hooks: ApplyHooks = {
    log: () => undefined,
    showPlan: (plan) => seen.plans.push(plan),
    overrideGate: async () => false,
    approve: async () => {
      seen.asked += 1;
      return approve;
    },
    started: () => undefined,
    onOutcome: (outcome) => seen.outcomes.push(outcome),
  };
  return { seen, hooks };
}

function request(configPath: string, extra: Partial<ApplyRequest> = {}): ApplyRequest {
  return { configPath, parallelism: 2, allowInUse: false, force: false, env, now: Date.now(), ...extra };
}

describe('runApply', () => {
  it('applies a config: shows the plan, asks once, creates and delivers', async () => {
    const config = await writeConfig(['alpha', 'beta']);
    const { seen, hooks } = recorder();
    const result = await runApply(request(config), hooks);
    expect(result.status).toBe('applied');
    expect(result.outcomes.map((o) => [o.kind, o.name, o.status])).toEqual([
      ['create', 'alpha', 'done'],
      ['create', 'beta', 'done'],
    ]);
    expect(seen.asked).toBe(1);
    expect(seen.outcomes).toHaveLength(2);
    expect(await readFile(join(dir, 'secrets.env'), 'utf8')).toMatch(/^ALPHA=kp_/m);
    expect((await runApply(request(config), recorder().hooks)).status).toBe('no-changes');
  });

  it('changes nothing when the person declines', async () => {
    const config = await writeConfig(['alpha']);
    const result = await runApply(request(config), recorder(false).hooks);
    expect(result).toEqual({ status: 'cancelled', outcomes: [] });
    const { plan } = await planFromConfig({ configPath: config, now: Date.now(), providerOptions: { env } });
    expect(plan.providers[0]?.actions.map((a) => a.kind)).toEqual(['create']);
  });

  it('applies a saved plan only while the remote keys are as they were when it was made', async () => {
    const config = await writeConfig(['alpha']);
    const { plan } = await planFromConfig({ configPath: config, now: Date.now(), providerOptions: { env } });
    const planFile = join(dir, 'plan.json');
    await writeFile(planFile, serializePlanFile(plan, config));
    await writeConfig(['alpha', 'beta']);
    const applied = await runApply(request(join(dir, 'ignored.yaml'), { planFile }), recorder().hooks);
    expect(applied.outcomes.map((o) => o.name)).toEqual(['alpha']);
    await expect(runApply(request(config, { planFile }), recorder().hooks)).rejects.toThrow(KeyplanError);
    await expect(runApply(request(config, { planFile }), recorder().hooks)).rejects.toThrow('the saved plan is stale');
  });
});
