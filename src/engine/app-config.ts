import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayPath } from '../io/display-path.js';
import { KeyplanError, type ConfigError } from '../core/errors.js';

/** keys.yaml as a program (`--app`) synthesized it. */
export interface AppConfig {
  /** The synthesized keys.yaml, in a fresh temporary KEYPLAN_OUTDIR. */
  configPath: string;
  /** Where the program ran: its relative paths (and keyplan's .keyplan/ work files) are relative to it. */
  projectDir: string;
  /** The synthesized text, to name the construct behind a position. */
  text: string;
  /** Removes the temporary directory. */
  dispose(): Promise<void>;
}

export interface RunAppOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives the program's stdout and, once it succeeded, its stderr. */
  log: NodeJS.WritableStream;
}

const MAX_STDERR = 64 * 1024;

/**
 * Runs `command` in a shell with KEYPLAN_OUTDIR set to a new temporary directory, as cdktf.json's and cdk8s's
 * `app` do, and returns the keys.yaml it synthesized there. A failing program, or one that wrote nothing, is a
 * KeyplanError carrying the program's stderr.
 */
export async function synthesizeApp(command: string, options: RunAppOptions): Promise<AppConfig> {
  const outDir = await mkdtemp(join(tmpdir(), 'keyplan-app-'));
  const dispose = () => rm(outDir, { recursive: true, force: true });
  try {
    const { code, signal, stderr } = await run(command, outDir, options);
    if (code !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      throw new KeyplanError(`the app \`${command}\` ${how}${stderr.trim() ? `; its stderr:\n${stderr.trimEnd()}` : ' and wrote nothing to stderr'}`);
    }
    if (stderr) options.log.write(stderr);
    const configPath = join(outDir, 'keys.yaml');
    const text = await readFile(configPath, 'utf8').catch(() => undefined);
    if (text === undefined) {
      throw new KeyplanError(
        `the app \`${command}\` succeeded but wrote no keys.yaml to KEYPLAN_OUTDIR: it must call synth() on its KeyPlan (see README, "Keys in TypeScript")`,
      );
    }
    return { configPath, projectDir: options.cwd, text, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * Whether any issue still points into the temporary keys.yaml: the loader moves every position of a file
 * keyplan/constructs wrote to the program line that declared it, so only a file written otherwise (by hand, or
 * by an older keyplan without source lines) is worth keeping for inspection.
 */
export function pointsIntoApp(error: ConfigError, app: AppConfig): boolean {
  const shown = displayPath(app.configPath);
  return error.issues.some((issue) => issue.file === shown);
}

function run(command: string, outDir: string, { cwd, env, log }: RunAppOptions): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, { cwd, env: { ...env, KEYPLAN_OUTDIR: outDir }, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-MAX_STDERR);
    });
    child.on('error', (error) => reject(new KeyplanError(`could not run the app \`${command}\`: ${error.message}`)));
    child.on('close', (code, signal) => resolvePromise({ code, signal, stderr }));
  });
}
