// POST /v1/verify throughput of the real key service vs a bare node:http server answering constant JSON,
// both on 127.0.0.1 in this process run, same client (undici Pool, fixed concurrency).
// Usage: npm run build && npm run bench:verify [-- --seconds 5 --connections 32]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { startServer } from '../dist/server/server.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' }, 'max-requests': { type: 'string', default: '2000000' } },
});
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
  await pool.close();
  return { requests: done, perSecond: done / elapsed };
}

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-'));
const rolesFile = join(dir, 'roles.yaml');
await writeFile(rolesFile, [
  'roles:',
  '  ADMIN: { description: Everything, permissions: ["*"] }',
  '  READONLY: { description: Read keys and roles, permissions: [keys:read, roles:read] }',
  '  GATEWAY: { description: Verifies keys, permissions: [keys:verify] }',
].join('\n'));
const service = await startServer({ dbPath: join(dir, 'keys.db'), host: '127.0.0.1', port: 0, rolesFile, adminKey: ADMIN });
const bare = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = '{"valid":true,"key":{"id":"key_x","name":"x","roles":["READONLY"]},"permissions":["keys:read","roles:read"]}';
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));

try {
  const gateway = service.store.createKey({ name: 'bench-gateway', roles: ['GATEWAY'] }).secret.reveal();
  const presented = service.store.createKey({ name: 'bench-client', roles: ['READONLY'] }).secret.reveal();
  const body = JSON.stringify({ key: presented, permission: 'keys:read' });
  const headers = { authorization: `Bearer ${gateway}`, 'content-type': 'application/json' };
  const check = await measure(service.url, '/v1/verify', headers, body).catch((error) => {
    throw new Error(`verify failed: ${error.message.replaceAll(presented, '[redacted]').replaceAll(gateway, '[redacted]')}`);
  });
  const floor = await measure(`http://127.0.0.1:${bare.address().port}`, '/', { 'content-type': 'application/json' }, body);
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(`connections: ${connections}, ~${seconds}s each, node ${process.version}`);
  console.log(`bare node:http constant JSON: ${fmt(floor.perSecond)} req/s (${fmt(floor.requests)} requests)`);
  console.log(`keyplan POST /v1/verify:      ${fmt(check.perSecond)} req/s (${fmt(check.requests)} requests)`);
  console.log(`ratio verify / bare: ${(check.perSecond / floor.perSecond).toFixed(2)} (aim >= 0.50)`);
} finally {
  await service.close();
  await new Promise((resolve) => bare.close(resolve));
  await rm(dir, { recursive: true, force: true });
}
