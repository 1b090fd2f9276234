import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyBenchYaml, planBenchYaml, seedPlanBench } from '../../bench/configs.mjs';
import { OVERLAP_MIN_BYTES } from '../../src/engine/plan-overlap.js';
import { KeyStore } from '../../src/store/sqlite/key-store.js';
import { describeRun } from './helpers/cli.js';
import { expectFixture, standInKeyIds } from './helpers/fixtures.js';
import { useWorkspace, type E2eWorkspace } from './helpers/workspace.js';

// The plan JSON for the benchmarks' configs (bench/configs.mjs, at a smaller size), byte for byte as recorded in
// test/fixtures/plan-bench/ before the performance work on plan: making plan faster must not change what it says.
// Key ids are random, the service's port varies, the plan is stamped with the time it was made, and the remote
// fingerprint hashes the ids and creation times: these are replaced by stable stand-ins before comparing.
// To record again after an intended change of the plan: KEYPLAN_RECORD_FIXTURES=1 npx vitest run <this file>.

const TOKEN_ENV = 'KP_BENCH_TOKEN';
const FIXTURES = join(import.meta.dirname, '../fixtures/plan-bench');

async function planJson(ws: E2eWorkspace, url: string, token: string, args: string[] = []): Promise<string> {
  const result = await ws.run(['plan', '--format', 'json', ...args], { env: { [TOKEN_ENV]: token } });
  expect(result.exitCode, describeRun(result)).toBe(0);
  return result.stdout;
}

/** Ids become `key_<n>` in order of first appearance; the URL, time stamp and fingerprint become placeholders. */
function stable(json: string, url: string): string {
  const plan = JSON.parse(json) as { created_at: string; providers: { remote_fingerprint: string }[] };
  expect(plan.providers).toHaveLength(1);
  return standInKeyIds(
    json
      .replace(`"created_at": "${plan.created_at}"`, '"created_at": "PLAN-TIME"')
      .replace(`"remote_fingerprint": "${plan.providers[0]?.remote_fingerprint}"`, '"remote_fingerprint": "FINGERPRINT"')
      .replaceAll(url, 'http://127.0.0.1:PORT'),
  );
}

describe('plan JSON for the benchmark configs', () => {
  const workspace = useWorkspace();

  it('bench:plan (updates, revokes and unchanged keys over a served store) is unchanged', async () => {
    const ws = workspace();
    const pepper = randomBytes(32).toString('hex');
    const dbPath = ws.path('service-db', 'keys.db');
    await ws.writeFile('service-db/.keep', '');
    const store = KeyStore.open(dbPath, { pepper });
    try {
      seedPlanBench(
        {
          batch: (work) => store.batch(work),
          createKey: (input) => {
            const created = store.createKey(input);
            ws.secrets.addSecret(created.secret.reveal());
            return created;
          },
        },
        1400,
      );
    } finally {
      store.close();
    }
    const service = await ws.startKeyService({ dbPath, env: { KEYPLAN_PEPPER: pepper } });
    const yaml = planBenchYaml(1400, service.url, TOKEN_ENV);
    expect(yaml.length, 'large enough that plan lists while the config loads').toBeGreaterThanOrEqual(OVERLAP_MIN_BYTES);
    await ws.writeFile('keys.yaml', yaml);
    const json = await planJson(ws, service.url, service.adminKey);
    expect(JSON.parse(json).summary).toEqual({ create: 0, update: 70, rotate: 0, revoke: 700, finish: 0 });
    await expectFixture(FIXTURES, 'plan.json', stable(json, service.url));
  });

  it('bench:apply (creates only, against an empty service) is unchanged', async () => {
    const ws = workspace();
    const service = await ws.startKeyService();
    await ws.writeFile('keys.yaml', applyBenchYaml(100, service.url, TOKEN_ENV));
    const json = await planJson(ws, service.url, service.adminKey, ['--secrets-out', 'secrets.env']);
    expect(JSON.parse(json).summary).toEqual({ create: 100, update: 0, rotate: 0, revoke: 0, finish: 0 });
    await expectFixture(FIXTURES, 'apply.json', stable(json, service.url));
  });
});
