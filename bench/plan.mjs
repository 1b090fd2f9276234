// Times `keyplan plan --format json > /dev/null` against a served store of 10,000 and 100,000 keys, versus the
// floor: a fresh node process fetching the same pages with undici alone (GET /v1/keys?limit=1000, following
// next_cursor, parsing each page). Prints both medians, their ratio, and the plan process's peak RSS.
// Run after `npm run build`: npm run bench:plan   (optional: node bench/plan.mjs 10000 50000 ...)
//
// The store is seeded directly through dist/store/key-store.js with the pepper the server then uses
// (KEYPLAN_PEPPER). Every seeded key is managed by keyplan; keys.yaml declares every other key, one in ten of those
// with a new description, so the plan holds updates for 5% and revokes for 50% of the keys.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'keyplan.js');
const RUNS = 3;
const TOKEN_ENV = 'KEYPLAN_BENCH_TOKEN';
// Preloaded into both timed processes: reports peak RSS (KiB) and CPU time (user + system, µs) on stderr at exit.
// CPU time is printed beside wall time because on a busy machine the wall clock also measures other processes.
const REPORT_USAGE = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\nBENCH_USAGE='+u.maxRSS+','+(u.userCPUTime+u.systemCPUTime)+'\\n')})`;

if (process.argv[2] === '--floor') await floor(process.argv[3]);
else await main(process.argv.slice(2).map(Number).filter((n) => n > 0));

/** The floor, run in its own process: page through every key with undici and nothing else. */
async function floor(url) {
  const { Agent, request } = await import('undici');
  const dispatcher = new Agent({ connections: 16 });
  const headers = { authorization: `Bearer ${process.env[TOKEN_ENV]}`, accept: 'application/json' };
  let cursor = null;
  let count = 0;
  do {
    const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
    const res = await request(`${url}/v1/keys?${query}`, { headers, dispatcher });
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
  const { KeyStore } = await import(join(root, 'dist', 'store', 'key-store.js'));
  const rows = [];
  for (const size of sizes) rows.push(await benchSize(size, KeyStore));
  console.log('');
  const cell = (text, width) => String(text).padEnd(width);
  console.log(`${cell('keys', 8)} ${cell('seed', 9)} ${cell('floor wall / cpu', 19)} ${cell('plan wall / cpu', 19)} ${cell('ratio wall / cpu', 18)} plan peak RSS`);
  for (const r of rows) {
    console.log(
      [
        cell(r.size, 8),
        cell(`${(r.seedMs / 1000).toFixed(1)} s`, 9),
        cell(`${r.floorMs.toFixed(0)} / ${r.floorCpuMs.toFixed(0)} ms`, 19),
        cell(`${r.planMs.toFixed(0)} / ${r.planCpuMs.toFixed(0)} ms`, 19),
        cell(`${(r.planMs / r.floorMs).toFixed(2)}x / ${(r.planCpuMs / r.floorCpuMs).toFixed(2)}x`, 18),
        `${(r.planRssKb / 1024).toFixed(0)} MiB`,
      ].join(' '),
    );
  }
  console.log(`(medians of ${RUNS} runs each, floor and plan alternating; target ratio <= 1.3x)`);
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
    writeConfig(dir, size, server.url);
    const env = { ...process.env, [TOKEN_ENV]: adminKey, NO_COLOR: '1' };
    const floors = [];
    const plans = [];
    const floorCpu = [];
    const planCpu = [];
    let planRssKb = 0;
    await run([fileURLToPath(import.meta.url), '--floor', server.url], dir, env); // warm the server's page cache
    for (let i = 0; i < RUNS; i++) {
      const f = await run([fileURLToPath(import.meta.url), '--floor', server.url], dir, env, { stdout: 'pipe' });
      if (Number(f.stdout.trim()) !== size) throw new Error(`floor listed ${f.stdout.trim()} keys, expected ${size}`);
      floors.push(f.ms);
      floorCpu.push(f.cpuMs);
      const p = await run([bin, 'plan', '--format', 'json'], dir, env, { stdout: 'devnull' });
      plans.push(p.ms);
      planCpu.push(p.cpuMs);
      planRssKb = Math.max(planRssKb, p.maxRssKb);
    }
    console.log(`  floor runs: ${floors.map((ms) => ms.toFixed(0)).join(', ')} ms; plan runs: ${plans.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    return { size, seedMs, floorMs: median(floors), planMs: median(plans), floorCpuMs: median(floorCpu), planCpuMs: median(planCpu), planRssKb };
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
    store.batch(() => {
      for (let i = 0; i < size; i++) {
        store.createKey({
          name: keyName(i),
          description: `Generated key ${i}`,
          roles: [i % 10 === 0 ? 'ADMIN' : 'READONLY'],
          metadata: { 'managed-by': 'keyplan', 'keyplan-owner': `team-${i % 7}` },
        });
      }
    });
  } finally {
    store.close();
  }
  return performance.now() - started;
}

function keyName(i) {
  return `Bench_Key_${String(i).padStart(6, '0')}`;
}

/** Declares every other key; one in ten of those with a changed description. */
function writeConfig(dir, size, url) {
  const lines = ['version: 1', 'providers:', '  bench:', '    type: http', `    url: ${url}`, `    token_env: ${TOKEN_ENV}`, 'keys:'];
  for (let i = 0; i < size; i += 2) {
    lines.push(
      `  - name: ${keyName(i)}`,
      `    description: ${i % 20 === 0 ? `Changed description ${i}` : `Generated key ${i}`}`,
      `    roles: [${i % 10 === 0 ? 'ADMIN' : 'READONLY'}]`,
      `    owner: team-${i % 7}`,
    );
  }
  writeFileSync(join(dir, 'keys.yaml'), `${lines.join('\n')}\n`);
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

/** Spawns node with the RSS reporter preloaded; resolves with wall time, peak RSS and (if piped) stdout. */
function run(args, cwd, env, { stdout = 'ignore' } = {}) {
  const out = stdout === 'devnull' ? openSync('/dev/null', 'w') : stdout;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_USAGE, ...args], { cwd, env, stdio: ['ignore', out, 'pipe'] });
  let text = '';
  let err = '';
  child.stdout?.on('data', (chunk) => (text += chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (typeof out === 'number') closeSync(out);
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited ${code}: ${err.slice(0, 2000)}`));
      const usage = /BENCH_USAGE=(\d+),(\d+)/.exec(err);
      if (!usage) return reject(new Error(`node ${args.join(' ')} did not report its resource usage: ${err.slice(0, 2000)}`));
      resolve({ ms, stdout: text, maxRssKb: Number(usage[1]), cpuMs: Number(usage[2]) / 1000 });
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
