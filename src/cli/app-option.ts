import type { Command } from 'commander';
import { ConfigError, UsageError } from '../core/errors.js';
import { pointsIntoApp, synthesizeApp } from '../engine/app-config.js';

/** Where a command's keys.yaml comes from: the -c file, or a program run with --app / KEYPLAN_APP. */
export interface ConfigSource {
  configPath: string;
  /** The directory keyplan's work files (.keyplan/: journal, recovery files) go under; undefined: beside configPath. */
  projectDir?: string;
  /** The --app command, when the config came from one. */
  app?: string;
  /** Called with a ConfigError before it is reported: an --app config that caused it may be kept for inspection. */
  explain(error: ConfigError): ConfigError;
}

export function addAppOption(command: Command): Command {
  return command.option('--app <command>', 'run this program (keyplan/constructs) and use the keys.yaml it synthesizes; also env KEYPLAN_APP');
}

/** The --app command in effect: the flag, else KEYPLAN_APP unless -c was given. */
export function appCommand(options: { app?: string }, command: Command): string | undefined {
  const explicitConfig = command.getOptionValueSource('config') === 'cli';
  if (options.app !== undefined) {
    if (explicitConfig) throw new UsageError('give either -c/--config or --app, not both');
    return options.app;
  }
  const fromEnv = process.env.KEYPLAN_APP;
  return fromEnv && !explicitConfig ? fromEnv : undefined;
}

/**
 * Runs `body` with the command's config: the -c file as is, or the keys.yaml the --app program synthesizes
 * into a temporary directory, removed afterwards (kept, and named, when an error points into it: a file the
 * program wrote without keyplan/constructs' source lines).
 */
export async function withConfigSource<T>(options: { config: string; app?: string }, command: Command, body: (source: ConfigSource) => Promise<T>): Promise<T> {
  const app = appCommand(options, command);
  if (app === undefined) return body({ configPath: options.config, explain: (error) => error });
  const synthesized = await synthesizeApp(app, { cwd: process.cwd(), env: process.env, log: process.stderr });
  let keep = false;
  const explain = (error: ConfigError): ConfigError => {
    keep ||= pointsIntoApp(error, synthesized);
    return error;
  };
  try {
    return await body({ configPath: synthesized.configPath, projectDir: synthesized.projectDir, app, explain });
  } catch (error) {
    throw error instanceof ConfigError ? explain(error) : error;
  } finally {
    if (keep) process.stderr.write(`The app's keys.yaml is kept for inspection at ${synthesized.configPath}\n`);
    else await synthesized.dispose();
  }
}

export function refuseWithApp(app: string | undefined, message: string): void {
  if (app !== undefined) throw new UsageError(message);
}
