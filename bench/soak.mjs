// Soak: a real `keyplan serve` child process on 127.0.0.1 under 100 concurrent clients for 60 s — 80% POST /v1/verify,
// 10% list, 5% create (with Idempotency-Key), 5% update. Prints requests, errors (must be 0), p50/p99 latency and the
// server's RSS at start and end; then checks every created key exists exactly once and every used key shows its last use.
// The floor: a bare node:http server answering constant JSON to the same clients, measured in this run.
// Usage: npm run build && npm run bench:soak [-- --seconds 60 --clients 100]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startBareServer, writeBenchRoles } from './key-service-lib.mjs';
import { summary } from './lib.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '100' },
    'floor-seconds': { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const floorSeconds = Number(values['floor-seconds']);
const ADMIN = 'soak-bootstrap-admin-key-0123456789abcdefghij';
const BIN = fileURLToPath(new URL('../bin/keyplan.js', import.meta.url));
const CLIENT_KEYS = 50;
const MB = 1024 * 1024;

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function startService(dir) {
  const rolesFile = await writeBenchRoles(dir);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--quiet', '--db', join(dir, 'keys.db'), '--roles', rolesFile], {
    env: { ...process.env, KEYPLAN_ADMIN_KEY: ADMIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`keyplan serve exited ${code}: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

/** Runs `clients` loops against `pool` until the deadline; `next()` picks each request. Returns latencies and counts. */
async function drive(pool, next, durationSeconds) {
  const latencies = [];
  const counts = {};
  const errors = [];
  const deadline = performance.now() + durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const { kind, options, ok = (status) => status >= 200 && status < 300 } = next();
        const started = performance.now();
        try {
          const response = await pool.request(options);
          const text = await response.body.text();
          if (!ok(response.statusCode, text)) errors.push(`${kind}: ${response.statusCode} ${text.slice(0, 200)}`);
        } catch (error) {
          errors.push(`${kind}: ${error.code ?? error.message}`);
        }
        latencies.push(performance.now() - started);
        counts[kind] = (counts[kind] ?? 0) + 1;
      }
    }),
  );
  return { latencies, counts, errors };
}

const dir = await mkdtemp(join(tmpdir(), 'keyplan-soak-'));
const service = await startService(dir);
const admin = new Pool(service.url, { connections: 4 });
const secrets = [];
const redact = (text) => secrets.reduce((out, secret) => out.replaceAll(secret, '[redacted]'), text);
let failed = false;

try {
  const call = async (method, path, body) => {
    const response = await admin.request({
      method,
      path,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = await response.body.json();
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${JSON.stringify(json)}`);
    return json;
  };
  const gateway = (await call('POST', '/v1/keys', { name: 'soak-gateway', roles: ['GATEWAY'] })).secret;
  secrets.push(gateway);
  const presented = [];
  for (let i = 0; i < CLIENT_KEYS; i++) {
    const created = await call('POST', '/v1/keys', { name: `soak-client-${i}`, roles: ['READONLY'] });
    presented.push({ id: created.key.id, secret: created.secret, used: false });
    secrets.push(created.secret);
  }
  const rssStart = rssOf(service.child.pid);

  const pool = new Pool(service.url, { connections: clients, pipelining: 1 });
  const adminHeaders = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const createdNames = [];
  let sequence = 0;
  const next = () => {
    const n = sequence++;
    const r = Math.random();
    if (r < 0.8) {
      const client = presented[n % presented.length];
      client.used = true;
      return {
        kind: 'verify',
        options: { method: 'POST', path: '/v1/verify', headers: { authorization: `Bearer ${gateway}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: client.secret, permission: 'keys:read' }) },
        ok: (status, text) => status === 200 && text.startsWith('{"valid":true'),
      };
    }
    if (r < 0.9) return { kind: 'list', options: { method: 'GET', path: '/v1/keys?limit=100', headers: { authorization: `Bearer ${ADMIN}` } } };
    if (r < 0.95) {
      const name = `soak-made-${n}`;
      createdNames.push(name);
      return { kind: 'create', options: { method: 'POST', path: '/v1/keys', headers: { ...adminHeaders, 'idempotency-key': `soak-${n}` }, body: JSON.stringify({ name, roles: ['READONLY'], expires_in: '30d' }) } };
    }
    const target = presented[n % presented.length];
    return { kind: 'update', options: { method: 'PATCH', path: `/v1/keys/${target.id}`, headers: adminHeaders, body: JSON.stringify({ description: `soak update ${n}` }) } };
  };
  const started = performance.now();
  const run = await drive(pool, next, seconds);
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  const rssEnd = rssOf(service.child.pid);

  // Checks: every created key exists exactly once; every key presented to verify shows a last use.
  const listed = [];
  let cursor = null;
  do {
    const page = await call('GET', `/v1/keys?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    listed.push(...page.keys);
    cursor = page.next_cursor;
  } while (cursor);
  const byName = new Map();
  for (const key of listed) byName.set(key.name, (byName.get(key.name) ?? 0) + 1);
  const missingOrDuplicated = createdNames.filter((name) => byName.get(name) !== 1);
  const unusedShown = presented.filter((client) => client.used && listed.find((key) => key.id === client.id)?.last_used_at === null);

  const total = run.latencies.length;
  const sorted = run.latencies.sort((a, b) => a - b);
  console.log(`soak: ${clients} clients, ${seconds} s, node ${process.version}`);
  console.log(`requests: ${total} (${Object.entries(run.counts).map(([kind, count]) => `${kind} ${count}`).join(', ')}), errors: ${run.errors.length}`);
  for (const error of run.errors.slice(0, 5)) console.log(`  error: ${redact(error)}`);
  console.log(`latency: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms`);
  console.log(`server RSS: start ${(rssStart / MB).toFixed(1)} MB, end ${(rssEnd / MB).toFixed(1)} MB`);
  console.log(`check: ${createdNames.length} created keys, ${missingOrDuplicated.length} missing or duplicated; ${presented.filter((c) => c.used).length} used keys, ${unusedShown.length} without last use`);

  const bare = await startBareServer();
  const barePool = new Pool(bare.url, { connections: clients, pipelining: 1 });
  const floorBody = JSON.stringify({ key: presented[0].secret.replace(/./g, 'x'), permission: 'keys:read' });
  const floorRun = await drive(barePool, () => ({ kind: 'bare', options: { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: floorBody } }), floorSeconds);
  await barePool.close();
  await bare.close();
  summary({
    name: 'soak throughput',
    value: total / elapsed,
    unit: 'req/s',
    floor: floorRun.latencies.length / floorSeconds,
    floorWhat: `bare node:http answering constant JSON to the same ${clients} clients`,
    higherIsBetter: true,
  });
  failed = run.errors.length > 0 || missingOrDuplicated.length > 0 || unusedShown.length > 0;
} catch (error) {
  console.error(redact(error.stack ?? String(error)));
  failed = true;
} finally {
  await admin.close();
  service.child.kill('SIGTERM');
  await new Promise((resolve) => service.child.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
