import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ConfigError, ExitCode, formatIssue } from '../../core/errors.js';
import { plural } from '../../core/humanize.js';
import { loadConfig } from '../../io/load-config.js';
import { displayPath } from '../../io/display-path.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

interface ValidateOptions {
  config: string;
  format: 'text' | 'json';
}

export const registerValidate: RegisterCommand = (program: Command, setExit) => {
  program
    .command('validate')
    .description('check keys.yaml and its includes against the schema and policy; list every problem with file:line:column')
    .option('-c, --config <path>', 'the root config file', 'keys.yaml')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (options: ValidateOptions) => {
      setExit(await runValidate(options));
    });
};

async function runValidate(options: ValidateOptions): Promise<number> {
  const shown = displayPath(resolve(options.config));
  try {
    const state = await loadConfig(options.config, { now: Date.now() });
    const keys = state.keys.length;
    const files = state.files.length;
    const providers = Object.keys(state.providers).length;
    if (options.format === 'json') printOut(JSON.stringify({ valid: true, errors: [] }, null, 2));
    else printOut(`${shown} is valid: ${plural(keys, 'key')} in ${plural(files, 'file')}, ${plural(providers, 'provider')}.`);
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (options.format === 'json') {
      const errors = error.issues.map(({ file, line, column, path, message }) => ({ file, line, column, path, message }));
      printOut(JSON.stringify({ valid: false, errors }, null, 2));
    } else {
      const lines = error.issues.map(formatIssue);
      process.stderr.write(`${lines.join('\n')}\n\n${plural(error.issues.length, 'error')} in ${shown}.\n`);
    }
    return ExitCode.error;
  }
}

