// The store and keys.yaml bench:audit runs on, shared with test/e2e/audit-bench-output.test.ts, which checks that
// the audit of such a store stays byte-identical while the code under it changes.

const DAY = 86_400_000;

/** bench:audit's key names. */
export function auditBenchKeyName(i) {
  return `key_${i}`;
}

/**
 * bench:audit's store: `count` keys created over 300 days starting 400 days before `now`, one in ten ADMIN, the
 * first `declared` managed by keyplan; two in three used at some moment between their creation and `now`.
 * `store` is a KeyStore opened with `clock: () => clock.at`; this moves `clock.at` as it goes.
 */
export function seedAuditBench(store, clock, { count, declared, now }) {
  // One transaction for the whole load: a commit per create dominated the seeding time.
  store.batch(() => {
    for (let i = 0; i < count; i += 1) {
      clock.at = now - 400 * DAY + Math.floor((i / count) * 300 * DAY);
      const metadata = i < declared ? { 'managed-by': 'keyplan' } : {};
      const { key, secret } = store.createKey({ name: auditBenchKeyName(i), roles: [i % 10 === 0 ? 'ADMIN' : 'READONLY'], metadata });
      // Two in three keys are used at some point between their creation and `now`; the rest never.
      if (i % 3 !== 0) {
        clock.at = key.createdAt + ((i * 7919) % Math.max(1, now - key.createdAt));
        store.authenticate(secret.reveal());
      }
    }
  });
}

/** bench:audit's keys.yaml: the first `declared` keys, each with a description, over the local store at `dbPath`. */
export function auditBenchYaml(dbPath, declared) {
  const lines = ['version: 1', 'providers:', '  default:', '    type: local', `    path: ${JSON.stringify(dbPath)}`, 'keys:'];
  for (let i = 0; i < declared; i += 1) {
    lines.push(`  - name: ${auditBenchKeyName(i)}`, `    description: bench key ${i}`, `    roles: [${i % 10 === 0 ? 'ADMIN' : 'READONLY'}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** Opens the SQLite store at `dbPath` with `KeyStore` (the built class the bench loads), seeds it as above, closes it. */
export function seedAuditStoreFile(KeyStore, dbPath, { count, declared, now }) {
  const clock = { at: now };
  const store = KeyStore.open(dbPath, { clock: () => clock.at });
  try {
    seedAuditBench(store, clock, { count, declared, now });
  } finally {
    store.close();
  }
}
