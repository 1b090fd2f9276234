// The stores and keys.yaml files the benchmarks run on, shared with test/e2e/plan-bench-configs.test.ts, which
// checks that the plan keyplan makes for them stays byte-identical while the code under them changes.

/** bench:plan's key names. */
export function planBenchKeyName(i) {
  return `Bench_Key_${String(i).padStart(6, '0')}`;
}

/** bench:plan's store: `size` keys, every one managed by keyplan, one in ten ADMIN, through the store's createKey. */
export function seedPlanBench(store, size) {
  store.batch(() => {
    for (let i = 0; i < size; i++) {
      store.createKey({
        name: planBenchKeyName(i),
        description: `Generated key ${i}`,
        roles: [i % 10 === 0 ? 'ADMIN' : 'READONLY'],
        metadata: { 'managed-by': 'keyplan', 'keyplan-owner': `team-${i % 7}` },
      });
    }
  });
}

/**
 * bench:plan's keys.yaml: declares every other seeded key, one in ten of those with a new description, so the plan
 * holds updates for 5% and revokes for 50% of the keys.
 */
export function planBenchYaml(size, url, tokenEnv) {
  const lines = ['version: 1', 'providers:', '  bench:', '    type: http', `    url: ${url}`, `    token_env: ${tokenEnv}`, 'keys:'];
  for (let i = 0; i < size; i += 2) {
    lines.push(
      `  - name: ${planBenchKeyName(i)}`,
      `    description: ${i % 20 === 0 ? `Changed description ${i}` : `Generated key ${i}`}`,
      `    roles: [${i % 10 === 0 ? 'ADMIN' : 'READONLY'}]`,
      `    owner: team-${i % 7}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** bench:apply's keys.yaml: `count` new keys in flow style, against an empty service. */
export function applyBenchYaml(count, url, tokenEnv) {
  const lines = ['version: 1', 'providers:', `  main: { type: http, url: "${url}", token_env: ${tokenEnv} }`, 'keys:'];
  for (let i = 0; i < count; i++) lines.push(`  - { name: Bench_${String(i).padStart(5, '0')}, description: Benchmark key ${i}, roles: [READONLY], expires: 90d }`);
  return `${lines.join('\n')}\n`;
}
