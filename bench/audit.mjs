// Audit speed: seed a local store with 100,000 keys (varied last use), declare some in keys.yaml, and time
// `keyplan audit --format json` (wall time, CPU time, peak RSS) against its floor in the same run: a node process
// that opens the same SQLite file with better-sqlite3, streams every active row and writes it to stdout as JSON
// (the unavoidable part: read the rows, serialize them). Both outputs go to a pipe this script drains.
// Run after `npm run build`: npm run bench:audit [-- KEY_COUNT [RUNS]]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyStore } from '../dist/store/sqlite/key-store.js';
import { auditBenchYaml, seedAuditStoreFile } from './audit-config.mjs';
import { interleave, medianOf, runNode, summary } from './lib.mjs';

const KEY_COUNT = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 3);
const DECLARED = Math.min(2_000, KEY_COUNT);
const BIN = fileURLToPath(new URL('../bin/keyplan.js', import.meta.url));
const SQLITE = fileURLToPath(new URL('../node_modules/better-sqlite3/lib/index.js', import.meta.url));

/** The floor, run with `node -e`: every active row, read and written out as one JSON object per key. */
const FLOOR = `
const Database = require(${JSON.stringify(SQLITE)});
const db = new Database(process.argv[1], { readonly: true });
const rows = db.prepare('SELECT id, name, description, roles, prefix, created_at, expires_at, last_used_at, metadata FROM keys WHERE revoked_at IS NULL ORDER BY seq').raw().iterate();
const iso = (ms) => (ms === null ? null : new Date(ms).toISOString());
(async () => {
  let batch = [];
  const flush = async () => { if (!process.stdout.write(batch.join(',\\n') + ',\\n')) await new Promise((r) => process.stdout.once('drain', r)); batch = []; };
  process.stdout.write('{"keys":[\\n');
  for (const r of rows) {
    batch.push(JSON.stringify({ id: r[0], name: r[1], description: r[2], roles: JSON.parse(r[3]), prefix: r[4], created_at: iso(r[5]), expires_at: iso(r[6]), last_used_at: iso(r[7]), metadata: JSON.parse(r[8]) }));
    if (batch.length === 1000) await flush();
  }
  if (batch.length) await flush();
  process.stdout.write('{}]}\\n');
})();
`;

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-audit-'));
try {
  const db = join(dir, 'keys.db');
  const seedStart = performance.now();
  seedAuditStoreFile(KeyStore, db, { count: KEY_COUNT, declared: DECLARED, now: Date.now() });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  await writeFile(join(dir, 'keys.yaml'), auditBenchYaml(db, DECLARED));

  const env = { ...process.env, NO_COLOR: '1' };
  const s = await interleave(
    {
      floor: async () => {
        const run = await runNode(['-e', FLOOR, db], { cwd: dir, env, stdout: 'pipe' });
        const listed = JSON.parse(run.stdout).keys.length - 1;
        if (listed !== KEY_COUNT) throw new Error(`the floor listed ${listed} keys, expected ${KEY_COUNT}`);
        return { ...run, stdout: '' };
      },
      audit: async () => {
        const run = await runNode([BIN, 'audit', '--format', 'json', '-c', join(dir, 'keys.yaml')], { cwd: dir, env, stdout: 'pipe', okCodes: [0, 2] });
        const report = JSON.parse(run.stdout);
        return { ...run, stdout: '', report, bytes: run.stdout.length };
      },
    },
    RUNS,
  );
  const { report, bytes } = s.audit[0];
  console.log(`seeded ${KEY_COUNT} keys (${DECLARED} declared) in ${seedSeconds.toFixed(1)} s`);
  console.log(`audit: ${report.summary.keys} keys, ${report.summary.errors} errors, ${report.summary.warnings} warnings, ${(bytes / 1e6).toFixed(1)} MB of JSON; medians of ${RUNS} interleaved runs`);
  const floorWhat = 'node + better-sqlite3 streaming the same rows as JSON';
  summary({ name: `audit ${KEY_COUNT} keys`, value: medianOf(s.audit, 'ms') / 1000, unit: 's', floor: medianOf(s.floor, 'ms') / 1000, floorWhat, aim: 1.5 });
  summary({ name: `audit ${KEY_COUNT} keys cpu`, value: medianOf(s.audit, 'cpuMs') / 1000, unit: 's', floor: medianOf(s.floor, 'cpuMs') / 1000, floorWhat });
  summary({ name: `audit ${KEY_COUNT} keys peak RSS`, value: medianOf(s.audit, 'maxRssKb') / 1024, unit: 'MiB', floor: medianOf(s.floor, 'maxRssKb') / 1024, floorWhat });
} finally {
  await rm(dir, { recursive: true, force: true });
}
