// Shared by the bench/*.mjs scripts: child processes measured the same way, medians, and the one summary line
// per figure, `name: value unit, floor value unit (what the floor does), ratio R (aim ...)`, so runs compare.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

// Preloaded into every measured node process: reports peak RSS (KiB) and CPU time (user + system, µs) at exit.
// CPU time is printed beside wall time because on a busy machine the wall clock also measures other processes.
const REPORT_USAGE = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\nBENCH_USAGE='+u.maxRSS+','+(u.userCPUTime+u.systemCPUTime)+'\\n')})`;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs `node ...args` with the usage reporter preloaded. Resolves with wall ms, CPU ms, peak RSS (KiB), exit code,
 * stderr (without the report) and stdout when `stdout: 'pipe'`; 'devnull' sends stdout to /dev/null.
 * Rejects when the exit code is not in `okCodes`.
 */
export function runNode(args, { cwd, env = process.env, stdout = 'ignore', okCodes = [0] } = {}) {
  const out = stdout === 'devnull' ? openSync('/dev/null', 'w') : stdout;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', REPORT_USAGE, ...args], { cwd, env, stdio: ['ignore', out, 'pipe'] });
  const chunks = [];
  let err = '';
  child.stdout?.on('data', (chunk) => chunks.push(chunk));
  child.stderr.on('data', (chunk) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (typeof out === 'number') closeSync(out);
      const usage = /\nBENCH_USAGE=(\d+),(\d+)\n/.exec(err);
      const stderr = usage ? err.replace(usage[0], '') : err;
      if (!okCodes.includes(code)) return reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(0, 2000)}`));
      if (!usage) return reject(new Error(`node ${args.join(' ')} did not report its resource usage: ${stderr.slice(0, 2000)}`));
      resolve({ code, ms, cpuMs: Number(usage[2]) / 1000, maxRssKb: Number(usage[1]), stdout: Buffer.concat(chunks).toString(), stderr });
    });
  });
}

/**
 * Runs each named job `runs` times, interleaved (a, b, a, b, ...) so a load spike hits both alike.
 * Returns, per name, the samples (what each job resolves with) in run order.
 */
export async function interleave(jobs, runs) {
  const samples = Object.fromEntries(Object.keys(jobs).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) for (const [name, job] of Object.entries(jobs)) samples[name].push(await job(i));
  return samples;
}

/** Median of one field over samples. */
export function medianOf(samples, field) {
  return median(samples.map((sample) => sample[field]));
}

function formatValue(value, unit) {
  const digits = unit === 's' || unit === 'x' ? 2 : 0;
  return `${value.toFixed(digits)} ${unit}`;
}

/**
 * Prints one summary line. `higherIsBetter` (throughput) makes the ratio value / floor and the aim a minimum;
 * otherwise (time, memory) the ratio is value / floor and the aim a maximum.
 */
export function summary({ name, value, unit, floor, floorUnit = unit, floorWhat, aim, higherIsBetter = false, note }) {
  const ratio = value / floor;
  const aimText = aim === undefined ? '' : ` (aim ${higherIsBetter ? '>=' : '<='} ${aim})`;
  const what = floorWhat ? ` (${floorWhat})` : '';
  const tail = note ? `; ${note}` : '';
  console.log(`${name}: ${formatValue(value, unit)}, floor ${formatValue(floor, floorUnit)}${what}, ratio ${ratio.toFixed(2)}${aimText}${tail}`);
  return ratio;
}
