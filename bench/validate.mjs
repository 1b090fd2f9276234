// Fixed costs and validation: `keyplan --help`, and `keyplan validate` of a generated 5,000-key config (6 files),
// each against `node -e 0` in the same run; validate also against its work floor, a node process that reads the
// same files and parses them with js-yaml (no positions, no schema, no checks).
// Run after `npm run build`: npm run bench:validate [-- RUNS]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, medianOf, runNode, summary } from './lib.mjs';

const KEYS = 5000;
const TEAMS = ['billing', 'search', 'platform', 'support', 'data'];
const RUNS = Number(process.argv[2] ?? 7);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'keyplan.js');
const jsYaml = join(root, 'node_modules', 'js-yaml', 'dist', 'js-yaml.mjs');

function generate(dir) {
  mkdirSync(join(dir, 'teams'));
  const perTeam = KEYS / TEAMS.length;
  for (const [t, team] of TEAMS.entries()) {
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

/** The work floor: read the six files and parse them, nothing else. */
const parseFloor = [
  `import { readFileSync } from 'node:fs';`,
  `import { load } from ${JSON.stringify(jsYaml)};`,
  `for (const f of ['keys.yaml', ...${JSON.stringify(TEAMS.map((team) => `teams/${team}.yaml`))}]) load(readFileSync(f, 'utf8'));`,
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'keyplan-bench-'));
try {
  generate(dir);
  const opts = { cwd: dir, stdout: 'devnull' };
  const s = await interleave(
    {
      node: () => runNode(['-e', '0'], opts),
      help: () => runNode([bin, '--help'], opts),
      validate: () => runNode([bin, 'validate', '-c', 'keys.yaml'], opts),
      parse: () => runNode(['--input-type=module', '-e', parseFloor], opts),
    },
    RUNS,
  );
  const figure = (name, sample, floor, floorWhat, aim) => {
    const [cpu, floorCpu] = [medianOf(s[sample], 'cpuMs'), medianOf(s[floor], 'cpuMs')];
    const note = `cpu ${cpu.toFixed(0)} / ${floorCpu.toFixed(0)} ms = ${(cpu / floorCpu).toFixed(2)}x`;
    summary({ name, value: medianOf(s[sample], 'ms'), unit: 'ms', floor: medianOf(s[floor], 'ms'), floorWhat, aim, note });
  };
  console.log(`${KEYS} keys in ${TEAMS.length + 1} files; medians of ${RUNS} interleaved runs, wall time`);
  figure('keyplan --help', 'help', 'node', 'node -e 0', 2);
  figure(`keyplan validate ${KEYS} keys`, 'validate', 'node', 'node -e 0', 4);
  figure(`keyplan validate ${KEYS} keys vs parse`, 'validate', 'parse', 'node reading and js-yaml parsing the same files');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
