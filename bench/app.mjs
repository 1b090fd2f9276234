// Times (wall clock, and CPU time of every process involved) `keyplan plan --app "node keys.mjs"` (a compiled-JS
// program declaring N keys with keyplan/constructs, synthesized and then planned) beside its floor: `keyplan plan -c keys.yaml` of the very keys.yaml that program
// writes. Also times the program alone (construct + validate + write). Medians of interleaved runs, one summary
// line per figure (bench/lib.mjs).
// Run after `npm run build`: npm run bench:app   (optional: node bench/app.mjs 5000 20000 ...)
//
// The keys go to an empty local store, so each plan holds N creates. 50 teams with shared defaults, keys made in
// a loop over environments, one in four delivering to a file: the shape examples/typescript/keys.ts has.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { interleave, medianOf, summary } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'keyplan.js');
const constructs = pathToFileURL(join(root, 'dist', 'constructs', 'index.js')).href;
const RUNS = 5;

const requested = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const size of requested.length > 0 ? requested : [5_000]) await benchSize(size);

async function benchSize(size) {
  const dir = mkdtempSync(join(tmpdir(), 'keyplan-bench-app-'));
  try {
    writeFileSync(join(dir, 'keys.mjs'), program(size));
    // The floor's keys.yaml: what the program writes, put in the project directory (same relative paths).
    await run(process.execPath, ['keys.mjs'], dir, { KEYPLAN_OUTDIR: dir });
    const outdir = join(dir, 'synth-out');
    const samples = await interleave(
      {
        // Three keys in four deliver nowhere: plan is told where apply would put their secrets, as a user would.
        yaml: () => run(process.execPath, [bin, 'plan', '-c', 'keys.yaml', '--format', 'json', '--secrets-out', 'secrets.json'], dir),
        app: () => run(process.execPath, [bin, 'plan', '--app', `"${process.execPath}" keys.mjs`, '--format', 'json', '--secrets-out', 'secrets.json'], dir),
        program: () => run(process.execPath, ['keys.mjs'], dir, { KEYPLAN_OUTDIR: outdir }),
      },
      RUNS,
    );
    const floorWhat = 'keyplan plan -c keys.yaml of the file the program writes';
    summary({ name: `plan --app ${size} keys`, value: medianOf(samples.app, 'wall'), unit: 'ms', floor: medianOf(samples.yaml, 'wall'), floorWhat });
    summary({ name: `plan --app ${size} keys cpu`, value: medianOf(samples.app, 'cpu'), unit: 'ms', floor: medianOf(samples.yaml, 'cpu'), floorWhat, note: 'cpu of every process: keyplan, shell, program' });
    summary({ name: `program alone ${size} keys`, value: medianOf(samples.program, 'wall'), unit: 'ms', floor: medianOf(samples.yaml, 'wall'), floorWhat, note: `cpu ${medianOf(samples.program, 'cpu').toFixed(0)} ms` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function program(size) {
  return `import { ApiKey, KeyPlan, Provider, Team } from ${JSON.stringify(constructs)};
const plan = new KeyPlan(undefined, 'keys', { policy: { requireExpiryFor: ['ADMIN'], maxLifetime: '1y' } });
const store = new Provider(plan, 'default', { type: 'local', path: '.keyplan/keys.db' });
const rotation = { every: '90d', beforeExpiry: '14d', overlap: '24h' };
const teams = Array.from({ length: 50 }, (_, t) => new Team(plan, 'team-' + t, { provider: store, consumers: ['service-' + t], rotation }));
const environments = ['dev', 'staging', 'prod', 'dr'];
for (let i = 0; i < ${size}; i += 1) {
  const env = environments[i % environments.length];
  new ApiKey(teams[i % teams.length], 'Key_' + i + '_' + env, {
    description: 'Key ' + i + ' for ' + env,
    roles: [i % 10 === 0 ? 'ADMIN' : 'READONLY'],
    expires: '180d',
    deliver: i % 4 === 0 ? [{ type: 'file', path: 'secrets/' + env + '.env', var: 'KEY_' + i }] : undefined,
  });
}
plan.synth();
`;
}

/**
 * CPU time (ms) of this process's finished, waited-for descendants: keyplan, the shell it starts and the
 * program. On a busy machine wall time also measures other processes; CPU time does not. NaN off Linux.
 */
function childrenCpuMs() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in clock ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
}

/** Runs a process to completion; resolves with its wall and CPU time in ms, rejects when it fails. */
function run(command, args, cwd, env = {}) {
  const started = performance.now();
  const cpuBefore = childrenCpuMs();
  const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ wall: performance.now() - started, cpu: childrenCpuMs() - cpuBefore });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`));
    });
  });
}
