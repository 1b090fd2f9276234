import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Another keyplan entry point, e.g. the bin of keyplan installed from its tarball; default KEYPLAN_BIN. */
  bin?: string;
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

/** A CLI process still running: signal it, wait for what it prints, then for its end. */
export interface RunningCli {
  child: ChildProcess;
  /** Resolves once stdout or stderr holds `text` (printed already or later). */
  printed(text: string): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts `node bin/keyplan.js ...args` and captures everything it prints. */
export function startCli(args: string[], options: RunCliOptions): RunningCli {
  const child = spawn(process.execPath, [options.bin ?? KEYPLAN_BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of waiters.filter((w) => out.stdout.includes(w.text) || out.stderr.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out.stdout += chunk;
    check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    out.stderr += chunk;
    check();
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      out.stderr += `\n[e2e helper: keyplan ${args.join(' ')} killed after ${timeoutMs} ms]`;
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ args, stdout: out.stdout, stderr: out.stderr, exitCode });
    });
  });
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ text, resolve });
      check();
      void done.then((result) => reject(new Error(`keyplan ${args.join(' ')} ended without printing ${JSON.stringify(text)}\n${describeRun(result)}`)));
    });
  return { child, printed, done };
}

/** Runs `node bin/keyplan.js ...args` to completion and captures everything it printed. */
export function runCli(args: string[], options: RunCliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

/** A readable dump of a run, for assertion messages: `expect(r.exitCode, describeRun(r)).toBe(0)`. */
export function describeRun(result: CliResult): string {
  return `keyplan ${result.args.join(' ')} exited ${result.exitCode}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
}
