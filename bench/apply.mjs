// `keyplan apply` creating 1,000 keys against a real `keyplan serve`, vs its floor: 1,000 raw POST /v1/keys sent
// with undici (Pool, same parallelism) to another fresh server, in the same round. Medians of several rounds.
// The apply figure includes process start, config load, the plan and writing the secrets file.
// Usage: npm run build && npm run bench:apply [-- --keys 1000 --parallelism 8 --runs 3]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { applyBenchYaml } from './configs.mjs';
import { median, summary } from './lib.mjs';

const { values } = parseArgs({
  options: { keys: { type: 'string', default: '1000' }, parallelism: { type: 'string', default: '8' }, runs: { type: 'string', default: '3' } },
});
const count = Number(values.keys);
const parallelism = Number(values.parallelism);
const runs = Number(values.runs);
const BIN = fileURLToPath(new URL('../bin/keyplan.js', import.meta.url));
const ADMIN = `bench-admin-${randomBytes(16).toString('hex')}`;
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYPLAN_')));

function run(args, { cwd, env = {} }) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...baseEnv, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function serve(dir) {
  await mkdir(dir, { recursive: true });
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--db', join(dir, 'keys.db')], {
    cwd: dir,
    env: { ...baseEnv, KEYPLAN_ADMIN_KEY: ADMIN },
    stdio: ['ignore', 'pipe', 'ignore'], // its request log would drown the figures
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`keyplan serve exited ${code}`)));
  });
  child.stdout.resume();
  return { url, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

async function rawCreates(url) {
  const pool = new Pool(url, { connections: parallelism });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < count) {
        const i = next++;
        const body = JSON.stringify({ name: `Raw_${String(i).padStart(5, '0')}`, description: `Benchmark key ${i}`, roles: ['READONLY'], expires_in: '90d', metadata: { 'managed-by': 'keyplan' } });
        const response = await pool.request({
          path: '/v1/keys',
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'idempotency-key': `raw-${i}` },
          body,
        });
        await response.body.text();
        if (response.statusCode !== 201) throw new Error(`POST /v1/keys: ${response.statusCode}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return seconds;
}

async function timed(work) {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** One round on fresh servers: `keyplan --version`, `keyplan plan`, `keyplan apply`, then the raw creates. */
async function round(index) {
  const roundDir = join(dir, `round-${index}`);
  const applyServer = await serve(join(roundDir, 'apply-service'));
  const rawServer = await serve(join(roundDir, 'raw-service'));
  try {
    const work = join(roundDir, 'work');
    await mkdir(work);
    await writeFile(join(work, 'keys.yaml'), applyBenchYaml(count, applyServer.url, 'KEYPLAN_TOKEN'));
    const env = { KEYPLAN_TOKEN: ADMIN };
    const startup = await timed(() => run(['--version'], { cwd: work }));
    const secrets = join(roundDir, 's.env');
    // The keys have no deliver: targets, so plan (like apply) needs the --secrets-out apply will get.
    const planOnly = await timed(() => run(['plan', '--secrets-out', secrets], { cwd: work, env }));
    if (planOnly.result.code !== 0) throw new Error(`plan failed:\n${planOnly.result.stderr}`);
    const apply = await timed(() => run(['apply', '--auto-approve', '--parallelism', String(parallelism), '--secrets-out', secrets], { cwd: work, env }));
    if (apply.result.code !== 0) throw new Error(`apply failed (exit ${apply.result.code}):\n${apply.result.stderr.slice(-2000)}`);
    const delivered = (await readFile(secrets, 'utf8')).split('\n').filter((line) => line.startsWith('BENCH_')).length;
    if (delivered !== count) throw new Error(`expected ${count} secrets in s.env, found ${delivered}`);
    const raw = await rawCreates(rawServer.url);
    return { raw, apply: apply.seconds, plan: planOnly.seconds, startup: startup.seconds };
  } finally {
    await applyServer.stop();
    await rawServer.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-apply-'));
try {
  const rounds = [];
  for (let i = 0; i < runs; i++) rounds.push(await round(i));
  const med = (field) => median(rounds.map((r) => r[field]));
  const floorWhat = `raw POST /v1/keys, undici Pool of ${parallelism} connections, fresh server`;
  console.log(`${count} creates, parallelism ${parallelism}, node ${process.version}; medians of ${runs} rounds, each on fresh servers`);
  console.log(`  apply runs: ${rounds.map((r) => r.apply.toFixed(2)).join(', ')} s; raw runs: ${rounds.map((r) => r.raw.toFixed(2)).join(', ')} s`);
  summary({ name: `apply ${count} creates`, value: med('apply'), unit: 's', floor: med('raw'), floorWhat, aim: 1.43, note: 'whole process: start, config load, plan, creates, secrets file; aim = throughput >= 0.70 of raw' });
  summary({ name: `apply ${count} creates minus plan`, value: median(rounds.map((r) => r.apply - r.plan)), unit: 's', floor: med('raw'), floorWhat, note: `keyplan plan alone ${med('plan').toFixed(2)} s, --version ${med('startup').toFixed(2)} s` });
} finally {
  await rm(dir, { recursive: true, force: true });
}
