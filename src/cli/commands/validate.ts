import type { Command } from 'commander';
import { Option } from 'commander';
import { ConfigError, ExitCode, formatIssue } from '../../core/errors.js';
import { plural } from '../../core/humanize.js';
import { validateConfig } from '../../engine/validate.js';
import { annotationText, configAnnotations, inGitHubActions } from '../../engine/github-actions.js';
import { annotationStream } from '../github-options.js';
import { addAppOption, withConfigSource, type ConfigSource } from '../app-option.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

interface ValidateOptions {
  config: string;
  app?: string;
  format: 'text' | 'json';
}

export const registerValidate: RegisterCommand = (program: Command, setExit) => {
  const command = program
    .command('validate')
    .description('check keys.yaml and its includes against the schema and policy; list every problem with file:line:column')
    .option('-c, --config <path>', 'the root config file', 'keys.yaml')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
  addAppOption(command).action(async (options: ValidateOptions, cmd: Command) => {
    setExit(await withConfigSource(options, cmd, (source) => runValidate(source, options)));
  });
};

async function runValidate(source: ConfigSource, options: ValidateOptions): Promise<number> {
  const result = await validateConfig(source.configPath, Date.now());
  const shown = source.app ? `the keys.yaml of \`${source.app}\`` : result.shown;
  if (result.valid) {
    if (options.format === 'json') printOut(JSON.stringify({ valid: true, errors: [] }, null, 2));
    else printOut(`${shown} is valid: ${plural(result.keys, 'key')} in ${plural(result.files, 'file')}, ${plural(result.providers, 'provider')}.`);
    return ExitCode.ok;
  }
  const issues = source.explain(new ConfigError(result.issues)).issues;
  if (inGitHubActions(process.env)) annotationStream(options.format).write(annotationText(configAnnotations(issues)));
  if (options.format === 'json') {
    const errors = issues.map(({ file, line, column, path, message }) => ({ file, line, column, path, message }));
    printOut(JSON.stringify({ valid: false, errors }, null, 2));
  } else {
    const lines = issues.map(formatIssue);
    process.stderr.write(`${lines.join('\n')}\n\n${plural(issues.length, 'error')} in ${shown}.\n`);
  }
  return ExitCode.error;
}

