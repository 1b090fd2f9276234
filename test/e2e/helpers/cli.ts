import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point (`npm run build` first). */
export const KEYPLAN_BIN = fileURLToPath(new URL('../../../bin/keyplan.js', import.meta.url));

export interface CliResult {
  /** The arguments after `keyplan`, for failure messages. */
  args: string[];
  stdout: string;
  stderr: string;
  /** null when the process was killed by a signal. */
  exitCode: number | null;
}

export interface RunCliOptions {
  cwd: string;
  /** Added to the clean base environment (see cleanEnv). */
  env?: Record<string, string | undefined>;
  /** Kill the CLI after this long; the result then says so. Default 60 s. */
  timeoutMs?: number;
}

/**
 * The parent's environment without anything keyplan reads (KEYPLAN_*), without colour,
 * so a developer's shell cannot change what a test sees.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('KEYPLAN_')) env[name] = value;
  env.NO_COLOR = '1';
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs `node bin/keyplan.js ...args` to completion and captures everything it printed. */
export function runCli(args: string[], options: RunCliOptions): Promise<CliResult> {
  const child = spawn(process.execPath, [KEYPLAN_BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n[e2e helper: keyplan ${args.join(' ')} killed after ${timeoutMs} ms]`;
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ args, stdout, stderr, exitCode });
    });
  });
}

/** A readable dump of a run, for assertion messages: `expect(r.exitCode, describeRun(r)).toBe(0)`. */
export function describeRun(result: CliResult): string {
  return `keyplan ${result.args.join(' ')} exited ${result.exitCode}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}
