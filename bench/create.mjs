// POST /v1/keys (create) throughput of real `keyplan serve` processes: SQLite, PostgreSQL with one instance, and
// PostgreSQL with two instances on one database (requests spread over both), against a floor measured in the same
// run: a bare node:http server answering constant JSON. PostgreSQL is a throwaway cluster (initdb + pg_ctl, the
// tests' helper). Rounds interleave the setups; figures are medians.
// Usage: npm run build && npm run bench:create [-- --seconds 3 --connections 16 --rounds 3]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { PgCluster } from '../test/helpers/pg-cluster.mjs';
import { startBareServer } from './key-service-lib.mjs';
import { median, summary } from './lib.mjs';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, connections: { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' } },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const BIN = fileURLToPath(new URL('../bin/keyplan.js', import.meta.url));
const ADMIN = `bench-admin-${randomBytes(16).toString('hex')}`;
const PEPPER = randomBytes(32).toString('hex');

function serve(db) {
  const child = spawn(process.execPath, [BIN, 'serve', '--quiet', '--port', '0', '--db', db], {
    env: { ...process.env, KEYPLAN_ADMIN_KEY: ADMIN, KEYPLAN_PEPPER: PEPPER },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`keyplan serve exited ${code}: ${err}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1], stop: () => new Promise((done) => (child.removeAllListeners('exit'), child.on('exit', done), child.kill('SIGTERM'))) });
    });
  });
}

let counter = 0;
/** `connections` concurrent clients creating keys with unique names for `seconds`, spread over `origins`. */
async function measureCreates(origins, { bare = false } = {}) {
  const pools = origins.map((origin) => new Pool(origin, { connections: Math.ceil(connections / origins.length), pipelining: 1 }));
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const send = async (worker) => {
    const body = JSON.stringify({ name: `bench-${process.pid}-${counter++}`, roles: ['READONLY'], metadata: { 'managed-by': 'keyplan' } });
    const response = await pools[worker % pools.length].request({ path: bare ? '/' : '/v1/keys', method: 'POST', headers, body });
    const text = await response.body.text();
    if (response.statusCode !== (bare ? 200 : 201)) throw new Error(`create: ${response.statusCode} ${text.slice(0, 200)}`);
  };
  for (let i = 0; i < 50; i++) await send(i); // warm-up
  let done = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, worker) => {
      while (performance.now() < deadline) {
        await send(worker);
        done++;
      }
    }),
  );
  const perSecond = done / ((performance.now() - started) / 1000);
  await Promise.all(pools.map((pool) => pool.close()));
  return perSecond;
}

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-create-'));
const cluster = await PgCluster.start();
const bare = await startBareServer('{"key":{"id":"key_x","name":"x"},"secret":"x"}');
const services = [];
try {
  const sqlite = await serve(join(dir, 'keys.db'));
  const pgOneDb = await cluster.createDatabase('bench_one');
  const pgOne = await serve(pgOneDb);
  const pgTwoDb = await cluster.createDatabase('bench_two');
  const pgTwo = [await serve(pgTwoDb), await serve(pgTwoDb)];
  services.push(sqlite, pgOne, ...pgTwo);
  const jobs = {
    bare: () => measureCreates([bare.url], { bare: true }),
    sqlite: () => measureCreates([sqlite.url]),
    'postgres x1': () => measureCreates([pgOne.url]),
    'postgres x2': () => measureCreates(pgTwo.map((service) => service.url)),
  };
  const results = Object.fromEntries(Object.keys(jobs).map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) for (const [name, job] of Object.entries(jobs)) results[name].push(await job());
  console.log(`connections: ${connections}, ~${seconds}s per measurement, ${rounds} rounds, node ${process.version}, PostgreSQL from ${cluster.dataDir}`);
  for (const [name, samples] of Object.entries(results)) console.log(`  ${name} runs: ${samples.map((v) => Math.round(v)).join(', ')} req/s`);
  const floor = median(results.bare);
  const floorWhat = 'bare node:http answering constant JSON';
  for (const name of ['sqlite', 'postgres x1', 'postgres x2']) {
    summary({ name: `create, ${name}`, value: median(results[name]), unit: 'req/s', floor, floorWhat, higherIsBetter: true });
  }
  summary({
    name: 'create, postgres two instances vs one',
    value: median(results['postgres x2']),
    unit: 'req/s',
    floor: median(results['postgres x1']),
    floorWhat: 'one instance on PostgreSQL',
    higherIsBetter: true,
    note: 'on 2 shared cores the client, both instances and PostgreSQL compete for CPU',
  });
} finally {
  for (const service of services) await service.stop();
  await bare.close();
  await cluster.destroy();
  await rm(dir, { recursive: true, force: true });
}
