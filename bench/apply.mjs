// `keyplan apply` creating 1,000 keys against a real `keyplan serve`, vs the raw throughput of 1,000
// POST /v1/keys sent with undici (Pool, same concurrency) to another fresh server, in one run.
// The apply figure includes process start, config load, the plan and writing the secrets file.
// Usage: npm run build && npm run bench:apply [-- --keys 1000 --parallelism 8]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { keys: { type: 'string', default: '1000' }, parallelism: { type: 'string', default: '8' } } });
const count = Number(values.keys);
const parallelism = Number(values.parallelism);
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

function keysYaml(url) {
  const lines = ['version: 1', 'providers:', `  main: { type: http, url: "${url}", token_env: KEYPLAN_TOKEN }`, 'keys:'];
  for (let i = 0; i < count; i++) lines.push(`  - { name: Bench_${String(i).padStart(5, '0')}, description: Benchmark key ${i}, roles: [READONLY], expires: 90d }`);
  return `${lines.join('\n')}\n`;
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

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-apply-'));
const applyServer = await serve(join(dir, 'apply-service'));
const rawServer = await serve(join(dir, 'raw-service'));
try {
  const work = join(dir, 'work');
  await mkdir(work);
  await writeFile(join(work, 'keys.yaml'), keysYaml(applyServer.url));
  const env = { KEYPLAN_TOKEN: ADMIN };

  const startup = await timed(() => run(['--version'], { cwd: work }));
  const planOnly = await timed(() => run(['plan'], { cwd: work, env }));
  if (planOnly.result.code !== 0) throw new Error(`plan failed:\n${planOnly.result.stderr}`);
  const apply = await timed(() => run(['apply', '--auto-approve', '--parallelism', String(parallelism), '--secrets-out', join(dir, 's.env')], { cwd: work, env }));
  if (apply.result.code !== 0) throw new Error(`apply failed (exit ${apply.result.code}):\n${apply.result.stderr.slice(-2000)}`);
  const delivered = (await readFile(join(dir, 's.env'), 'utf8')).split('\n').filter((line) => line.startsWith('BENCH_')).length;
  if (delivered !== count) throw new Error(`expected ${count} secrets in s.env, found ${delivered}`);
  const rawSeconds = await rawCreates(rawServer.url);

  const fmt = (seconds) => `${seconds.toFixed(2)} s (${Math.round(count / seconds).toLocaleString('en-US')} keys/s)`;
  console.log(`${count} creates, parallelism ${parallelism}, node ${process.version}`);
  console.log(`raw POST /v1/keys (undici Pool, ${parallelism} connections): ${fmt(rawSeconds)}`);
  console.log(`keyplan apply --auto-approve (whole process):        ${fmt(apply.seconds)}`);
  console.log(`  of which, roughly: process start ${startup.seconds.toFixed(2)} s; start + config load + plan (keyplan plan) ${planOnly.seconds.toFixed(2)} s`);
  console.log(`ratio apply / raw throughput: ${(rawSeconds / apply.seconds).toFixed(2)} (aim >= 0.70)`);
  console.log(`ratio excluding the plan-only time: ${(rawSeconds / Math.max(0.001, apply.seconds - planOnly.seconds)).toFixed(2)}`);
} finally {
  await applyServer.stop();
  await rawServer.stop();
  await rm(dir, { recursive: true, force: true });
}
