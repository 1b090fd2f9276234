import { Option, type Command } from 'commander';
import { parsePositiveInt } from './common.js';

/** Where a comment goes when not in a pull_request workflow: --pr N --repo owner/name. */
export interface PullRequestFlags {
  pr?: number;
  repo?: string;
}

export function addPullRequestOptions(command: Command): Command {
  return command
    .option('--pr <number>', 'the pull request to comment on (default: from the GitHub Actions event)', parsePositiveInt('--pr'))
    .option('--repo <owner/name>', 'the repository (default: GITHUB_REPOSITORY)');
}

export function commentModeOption(): Option {
  return new Option('--comment-mode <mode>', 'update: edit the comment in place; recreate: post a new one and hide the old as outdated')
    .choices(['update', 'recreate'])
    .default('update');
}

/** Workflow commands go to stdout, except when stdout carries machine-readable output. */
export function annotationStream(format: string): NodeJS.WriteStream {
  return format === 'text' || format === 'markdown' ? process.stdout : process.stderr;
}

export function reportGitHub(line: string): void {
  process.stderr.write(`${line}\n`);
}
