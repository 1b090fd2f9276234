// Times `keyplan plan --format json > /dev/null` against a served store of 10,000 and 100,000 keys, versus the
// floor: a fresh node process fetching the same pages with undici alone (GET /v1/keys?limit=1000, following
// next_cursor, parsing each page), loading undici's Agent and request as keyplan does. Prints medians of wall and CPU time and their ratios, and the plan process's
// highest peak RSS over the runs beside the floor's median.
// Run after `npm run build`: npm run bench:plan   (optional: node bench/plan.mjs 10000 50000 ...)
//
// The store is seeded directly through dist/store/sqlite/key-store.js with the pepper the server then uses
// (KEYPLAN_PEPPER). Every seeded key is managed by keyplan; keys.yaml declares every other key, one in ten of those
// with a new description, so the plan holds updates for 5% and revokes for 50% of the keys.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { planBenchYaml, seedPlanBench } from './configs.mjs';
import { median, runNode, summary } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'keyplan.js');
const RUNS = 3;
const TOKEN_ENV = 'KEYPLAN_BENCH_TOKEN';
if (process.argv[2] === '--floor') await floor(process.argv[3]);
else await main(process.argv.slice(2).map(Number).filter((n) => n > 0));

/**
 * The floor, run in its own process: page through every key with undici and nothing else. It loads undici's
 * Agent and request the way keyplan does (src/providers/undici-agent.ts), not undici's whole index.
 */
async function floor(url) {
  const require = createRequire(join(root, 'package.json'));
  const Agent = require('undici/lib/dispatcher/agent.js');
  const request = require('undici/lib/api/api-request.js');
  const dispatcher = new Agent({ connections: 16 });
  const headers = { authorization: `Bearer ${process.env[TOKEN_ENV]}`, accept: 'application/json' };
  const { origin } = new URL(url);
  let cursor = null;
  let count = 0;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
    const res = await request.call(dispatcher, { origin, path: `/v1/keys?${query}`, method: 'GET', headers });
    if (res.statusCode !== 200) throw new Error(`GET /v1/keys: HTTP ${res.statusCode}`);
    const page = await res.body.json();
    count += page.keys.length;
    cursor = page.next_cursor;
  } while (cursor);
  await dispatcher.close();
  process.stdout.write(`${count}\n`);
}

async function main(requested) {
  const sizes = requested.length > 0 ? requested : [10_000, 100_000];
  const { KeyStore } = await import(join(root, 'dist', 'store', 'sqlite', 'key-store.js'));
  const rows = [];
  for (const size of sizes) rows.push(await benchSize(size, KeyStore));
  console.log(`medians of ${RUNS} runs each, floor and plan alternating`);
  const floorWhat = 'node + undici paging GET /v1/keys';
  for (const r of rows) {
    console.log(`  ${r.size} keys: seeded in ${(r.seedMs / 1000).toFixed(1)} s; floor runs ${r.floors.map((ms) => ms.toFixed(0)).join(', ')} ms; plan runs ${r.plans.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  }
  for (const r of rows) {
    summary({ name: `plan ${r.size} keys`, value: r.planMs, unit: 'ms', floor: r.floorMs, floorWhat, aim: 1.3 });
    summary({ name: `plan ${r.size} keys cpu`, value: r.planCpuMs, unit: 'ms', floor: r.floorCpuMs, floorWhat });
    summary({ name: `plan ${r.size} keys peak RSS`, value: r.planRssKb / 1024, unit: 'MiB', floor: r.floorRssKb / 1024, floorWhat, note: 'aim <= 300 MiB at 100000 keys' });
  }
}

async function benchSize(size, KeyStore) {
  const dir = mkdtempSync(join(tmpdir(), 'keyplan-bench-plan-'));
  const pepper = randomBytes(32).toString('hex');
  const adminKey = `kp-bench-admin-${randomBytes(24).toString('hex')}`;
  const dbPath = join(dir, 'keys.db');
  let server;
  try {
    const seedMs = seed(KeyStore, dbPath, pepper, size);
    console.log(`seeded ${size} keys in ${(seedMs / 1000).toFixed(1)} s`);
    server = await serve(dir, dbPath, pepper, adminKey);
    writeFileSync(join(dir, 'keys.yaml'), planBenchYaml(size, server.url, TOKEN_ENV));
    const env = { ...process.env, [TOKEN_ENV]: adminKey, NO_COLOR: '1' };
    const floors = [];
    const plans = [];
    const floorCpu = [];
    const planCpu = [];
    const planRss = [];
    const floorRss = [];
    await runNode([fileURLToPath(import.meta.url), '--floor', server.url], { cwd: dir, env }); // warm the server's page cache
    for (let i = 0; i < RUNS; i++) {
      const f = await runNode([fileURLToPath(import.meta.url), '--floor', server.url], { cwd: dir, env, stdout: 'pipe' });
      if (Number(f.stdout.trim()) !== size) throw new Error(`floor listed ${f.stdout.trim()} keys, expected ${size}`);
      floors.push(f.ms);
      floorCpu.push(f.cpuMs);
      floorRss.push(f.maxRssKb);
      const p = await runNode([bin, 'plan', '--format', 'json'], { cwd: dir, env, stdout: 'devnull' });
      plans.push(p.ms);
      planCpu.push(p.cpuMs);
      planRss.push(p.maxRssKb);
    }
    return {
      size,
      seedMs,
      floors,
      plans,
      floorMs: median(floors),
      planMs: median(plans),
      floorCpuMs: median(floorCpu),
      planCpuMs: median(planCpu),
      floorRssKb: median(floorRss),
      planRssKb: Math.max(...planRss),
    };
  } finally {
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seeds through the store's own createKey, all in one transaction. */
function seed(KeyStore, dbPath, pepper, size) {
  const started = performance.now();
  const store = KeyStore.open(dbPath, { pepper });
  try {
    seedPlanBench(store, size);
  } finally {
    store.close();
  }
  return performance.now() - started;
}

async function serve(dir, dbPath, pepper, adminKey) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', dbPath, '--quiet'], {
    cwd: dir,
    env: { ...process.env, KEYPLAN_PEPPER: pepper, KEYPLAN_ADMIN_KEY: adminKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => (err += chunk));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`keyplan serve exited ${code}: ${err}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}
