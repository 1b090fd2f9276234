// Times `keyplan validate` on a generated 5,000-key config against `node -e 0` (the floor) in the same run.
// Run after `npm run build`: npm run bench:validate
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KEYS = 5000;
const RUNS = 7;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'keyplan.js');

function generate(dir) {
  const teams = ['billing', 'search', 'platform', 'support', 'data'];
  mkdirSync(join(dir, 'teams'));
  const perTeam = KEYS / teams.length;
  for (const [t, team] of teams.entries()) {
    const lines = ['keys:'];
    for (let i = 0; i < perTeam; i++) {
      const n = t * perTeam + i;
      lines.push(
        `  - name: ${team}_key_${n}`,
        `    description: Generated key ${n} for the ${team} team`,
        `    roles: [${n % 10 === 0 ? 'ADMIN' : 'READONLY'}]`,
        `    expires: ${n % 3 === 0 ? '90d' : '2027-06-30'}`,
        `    owner: team-${team}`,
        `    consumers: [${team}-service-${n % 7}]`,
      );
      if (n % 5 === 0) lines.push('    rotation: { every: 30d, overlap: 1h }');
      if (n % 11 === 0) lines.push(`    deliver: [{ type: file, path: .keyplan/${team}.env, var: KEY_${n} }]`);
    }
    writeFileSync(join(dir, 'teams', `${team}.yaml`), `${lines.join('\n')}\n`);
  }
  writeFileSync(
    join(dir, 'keys.yaml'),
    'version: 1\ninclude: [teams/*.yaml]\npolicy:\n  max_lifetime: 2y\n  require_expiry_for: [ADMIN]\n',
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(args, cwd) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) {
      throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.slice(0, 2000)}`);
    }
  }
  return median(samples);
}

const dir = mkdtempSync(join(tmpdir(), 'keyplan-bench-'));
try {
  generate(dir);
  const floor = time(['-e', '0'], dir);
  const validate = time([bin, 'validate', '-c', 'keys.yaml'], dir);
  console.log(`keys:                 ${KEYS} in 6 files`);
  console.log(`node -e 0 (floor):    ${floor.toFixed(0)} ms (median of ${RUNS})`);
  console.log(`keyplan validate:     ${validate.toFixed(0)} ms (median of ${RUNS})`);
  console.log(`ratio to floor:       ${(validate / floor).toFixed(1)}x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
