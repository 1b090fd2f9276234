// Audit speed: seed a local store with 100,000 keys (varied last use), declare some in keys.yaml, and time
// `keyplan audit --format json` (wall time and peak RSS) against `node -e 0` as the floor, in the same run.
// Run after `npm run build`: npm run bench:audit [-- KEY_COUNT]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyStore } from '../dist/store/key-store.js';

const KEY_COUNT = Number(process.argv[2] ?? 100_000);
const DECLARED = Math.min(2_000, KEY_COUNT);
const DAY = 86_400_000;
const BIN = fileURLToPath(new URL('../bin/keyplan.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-audit-'));
try {
  const db = join(dir, 'keys.db');
  const seedStart = performance.now();
  const now = Date.now();
  let clock = now - 400 * DAY;
  const store = KeyStore.open(db, { clock: () => clock });
  // One transaction for the whole load: a commit per create dominated the seeding time.
  store.batch(() => {
    for (let i = 0; i < KEY_COUNT; i += 1) {
      clock = now - 400 * DAY + Math.floor((i / KEY_COUNT) * 300 * DAY);
      const managed = i < DECLARED ? { 'managed-by': 'keyplan' } : {};
      const { key, secret } = store.createKey({ name: `key_${i}`, roles: [i % 10 === 0 ? 'ADMIN' : 'READONLY'], metadata: managed });
      // Two in three keys are used at some point between their creation and today; the rest never.
      if (i % 3 !== 0) {
        clock = key.createdAt + ((i * 7919) % Math.max(1, now - key.createdAt));
        store.authenticate(secret.reveal());
      }
    }
  });
  store.close();
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const lines = ['version: 1', 'providers:', '  default:', '    type: local', `    path: ${JSON.stringify(db)}`, 'keys:'];
  for (let i = 0; i < DECLARED; i += 1) lines.push(`  - name: key_${i}`, `    description: bench key ${i}`, `    roles: [${i % 10 === 0 ? 'ADMIN' : 'READONLY'}]`);
  await writeFile(join(dir, 'keys.yaml'), `${lines.join('\n')}\n`);

  const floor = await measure([process.execPath, '-e', '0']);
  const audit = await measure([process.execPath, BIN, 'audit', '--format', 'json', '-c', join(dir, 'keys.yaml')]);
  if (audit.code !== 0 && audit.code !== 2) throw new Error(`audit exited ${audit.code}: ${audit.stderr}`);
  const report = JSON.parse(audit.stdout);

  console.log(`seeded ${KEY_COUNT} keys (${DECLARED} declared) in ${seedSeconds.toFixed(1)} s`);
  console.log(`audit: ${report.summary.keys} keys, ${report.summary.errors} errors, ${report.summary.warnings} warnings, ${(audit.stdout.length / 1e6).toFixed(1)} MB of JSON`);
  console.log(`floor (node -e 0): ${floor.seconds.toFixed(2)} s wall, ${floor.maxRssMb.toFixed(0)} MB peak RSS`);
  console.log(`keyplan audit:     ${audit.seconds.toFixed(2)} s wall, ${audit.maxRssMb.toFixed(0)} MB peak RSS`);
  console.log(`ratio to floor:    ${(audit.seconds / floor.seconds).toFixed(1)}x wall, ${(audit.maxRssMb / floor.maxRssMb).toFixed(1)}x RSS (measured with ${floor.tool})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Wall time and peak RSS of a command: GNU time when present, else the child's own resource usage. */
async function measure(command) {
  const useGnuTime = existsSync(GNU_TIME);
  const argv = useGnuTime
    ? [GNU_TIME, '-f', '%e %M', ...command]
    : [process.execPath, '-e', `const r=require('node:child_process').spawnSync(process.argv[1],process.argv.slice(2),{stdio:['ignore','inherit','pipe']});process.stderr.write(r.stderr);process.stderr.write('\\n'+require('node:process').resourceUsage().maxRSS+'\\n');process.exitCode=r.status`, ...command];
  const started = performance.now();
  const { code, stdout, stderr } = await run(argv);
  const seconds = (performance.now() - started) / 1000;
  const last = stderr.trim().split('\n').at(-1) ?? '';
  // GNU time prints "elapsed maxrss_kb"; the fallback prints the wrapper's children-inclusive maxRSS in KB.
  const maxRssKb = Number(useGnuTime ? last.split(' ')[1] : last);
  return { code, stdout, stderr, seconds, maxRssMb: maxRssKb / 1024, tool: useGnuTime ? 'GNU time' : 'process.resourceUsage' };
}

function run([file, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    const out = [];
    let stderr = '';
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr }));
  });
}
