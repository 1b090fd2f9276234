// POST /v1/verify throughput of the real key service vs its floor, a bare node:http server answering constant JSON,
// both on 127.0.0.1 in this process, same client (undici Pool, fixed concurrency). The service runs twice: with the
// per-request log as `keyplan serve` writes it (a timestamped line per request, to a file) and with it off
// (`--quiet`). Rounds interleave bare / log on / log off; the figures are medians over the rounds.
// Usage: npm run build && npm run bench:verify [-- --seconds 2 --connections 32 --rounds 3]
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { BufferedLog } from '../dist/server/request-log.js';
import { startServer } from '../dist/server/server.js';
import { startBareServer, writeBenchRoles } from './key-service-lib.mjs';
import { median, summary } from './lib.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    'max-requests': { type: 'string', default: '2000000' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const maxRequests = Number(values['max-requests']);
const ADMIN = 'bench-bootstrap-admin-key-0123456789abcdef';

async function measure(origin, path, headers, body) {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const send = async () => {
    const response = await pool.request({ path, method: 'POST', headers, body });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`${path}: ${response.statusCode} ${text}`);
    return text;
  };
  for (let i = 0; i < 2000; i++) await send(); // warm-up
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline && done < maxRequests) {
        await send();
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await pool.close();
  // CPU per request (client and server: both run in this process) holds steadier than throughput on a busy machine.
  return { requests: done, perSecond: done / elapsed, cpuUsPerRequest: (used.user + used.system) / done };
}

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-'));
const rolesFile = await writeBenchRoles(dir);
const logFd = openSync(join(dir, 'serve.log'), 'w');
// As `keyplan serve` logs to stderr redirected to a file: timestamped lines, the lines of one event loop turn in one
// synchronous write.
const requestLog = new BufferedLog((text) => writeSync(logFd, text));
const log = requestLog.line;
const quiet = await startServer({ dbPath: join(dir, 'quiet.db'), host: '127.0.0.1', port: 0, rolesFile, adminKey: ADMIN });
const logged = await startServer({ dbPath: join(dir, 'logged.db'), host: '127.0.0.1', port: 0, rolesFile, adminKey: ADMIN, log });
const bare = await startBareServer();

/** A gateway credential and a presented key on one service; the request that verifies the one with the other. */
async function verifyRequest(service) {
  const gateway = (await service.store.createKey({ name: 'bench-gateway', roles: ['GATEWAY'] })).secret.reveal();
  const presented = (await service.store.createKey({ name: 'bench-client', roles: ['READONLY'] })).secret.reveal();
  const body = JSON.stringify({ key: presented, permission: 'keys:read' });
  const headers = { authorization: `Bearer ${gateway}`, 'content-type': 'application/json' };
  const run = () =>
    measure(service.url, '/v1/verify', headers, body).catch((error) => {
      throw new Error(`verify failed: ${error.message.replaceAll(presented, '[redacted]').replaceAll(gateway, '[redacted]')}`);
    });
  return { run, body };
}

try {
  const loggedVerify = await verifyRequest(logged);
  const quietVerify = await verifyRequest(quiet);
  // The bare server reads a body of the same size and shape (a key nobody checks).
  const bareBody = JSON.stringify({ key: 'x'.repeat(JSON.parse(quietVerify.body).key.length), permission: 'keys:read' });
  const jobs = {
    bare: () => measure(bare.url, '/', { 'content-type': 'application/json' }, bareBody),
    logged: loggedVerify.run,
    quiet: quietVerify.run,
  };
  const results = { bare: [], logged: [], quiet: [] };
  const cpu = { bare: [], logged: [], quiet: [] };
  for (let i = 0; i < rounds; i++) {
    for (const [name, job] of Object.entries(jobs)) {
      const measured = await job();
      results[name].push(measured.perSecond);
      cpu[name].push(measured.cpuUsPerRequest);
    }
  }
  const med = (name) => median(results[name]);
  const medCpu = (name) => median(cpu[name]);
  console.log(`connections: ${connections}, ~${seconds}s per measurement, ${rounds} rounds, node ${process.version}`);
  for (const [name, values] of Object.entries(results)) console.log(`  ${name} runs: ${values.map((v) => Math.round(v)).join(', ')} req/s`);
  const floorWhat = 'bare node:http answering constant JSON';
  summary({ name: 'verify, log on', value: med('logged'), unit: 'req/s', floor: med('bare'), floorWhat, aim: 0.6, higherIsBetter: true });
  summary({ name: 'verify, log off', value: med('quiet'), unit: 'req/s', floor: med('bare'), floorWhat, aim: 0.6, higherIsBetter: true });
  // The same aim in CPU per request (client + server): 0.6 of the throughput is 1 / 0.6 = 1.67 times the CPU.
  summary({ name: 'verify cpu, log on', value: medCpu('logged'), unit: 'us/req', floor: medCpu('bare'), floorWhat, aim: 1.67 });
  summary({ name: 'verify cpu, log off', value: medCpu('quiet'), unit: 'us/req', floor: medCpu('bare'), floorWhat, aim: 1.67 });
} finally {
  await quiet.close();
  await logged.close();
  await bare.close();
  requestLog.flush();
  closeSync(logFd);
  await rm(dir, { recursive: true, force: true });
}
