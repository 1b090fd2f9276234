import { Command } from 'commander';
import { hasDeclaredChanges, type DiffReport } from '../../core/declared-diff-types.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { diffFromFile, diffFromGit } from '../../engine/diff.js';
import { inGitHubActions, summarizeMarkdown } from '../../engine/github-actions.js';
import { renderDiffJson } from '../../render/diff-json.js';
import { renderDiffMarkdown } from '../../render/diff-markdown.js';
import { renderDiffText } from '../../render/diff-text.js';
import { addConfigOption, formatOption, terminalPaint } from '../common.js';
import { addPullRequestOptions, reportGitHub, type PullRequestFlags } from '../github-options.js';
import { printOut } from '../output.js';
import type { RegisterCommand } from './index.js';

interface DiffOptions extends PullRequestFlags {
  config: string;
  base?: string;
  from?: string;
  format: 'text' | 'markdown' | 'json';
  roles?: string;
  audit?: string;
  comment?: boolean;
}

/**
 * `keyplan diff`: offline by construction. It has no --app and no provider options; it reads git objects and
 * the repository's files, and only --comment talks to GitHub (with GITHUB_TOKEN, never a key service token).
 */
export const registerDiff: RegisterCommand = (program, setExit) => {
  const command = new Command('diff')
    .description('show what a change declares against a git revision (creates, edits, renames, removals, sensitive changes); offline: no token, no key service, no code run')
    .option('--base <git-ref>', 'the revision to compare with, e.g. origin/main or the pull request base SHA')
    .option('--from <file>', 'with --comment: post a report `keyplan diff --format json` wrote in another run (a workflow_run job), instead of computing one')
    .addOption(formatOption(['text', 'markdown', 'json'], 'text'))
    .option('--roles <file>', "the key service's roles file, to show the permissions roles grant (default: the built-in ADMIN and READONLY)")
    .option('--audit <file>', 'a saved `keyplan audit --format json`, to show when removed keys were last used')
    .option('--comment', 'keep the diff as one comment on the pull request (token: GITHUB_TOKEN or GH_TOKEN)');
  addPullRequestOptions(addConfigOption(command)).action(async (options: DiffOptions) => {
    if ((options.base === undefined) === (options.from === undefined)) throw new UsageError('keyplan diff needs --base <git-ref> (or, to post another run\'s report, --from FILE with --comment)');
    if (options.from !== undefined && !options.comment) throw new UsageError('--from posts a saved report: give it with --comment');
    const report = options.from !== undefined ? await diffFromFile(options.from) : await diffFromGit({ configPath: options.config, base: options.base as string, now: Date.now(), rolesFile: options.roles, auditFile: options.audit });
    print(report, options.format);
    if (inGitHubActions(process.env)) await summarizeMarkdown(process.env, renderDiffMarkdown(report));
    if (options.comment) {
      const { commentDiffOnPullRequest } = await import('../../engine/github-diff-comment.js');
      const outcome = await commentDiffOnPullRequest({ env: process.env, report, pr: options.pr, repo: options.repo, fromArtifact: options.from !== undefined });
      if (outcome.url) reportGitHub(`Diff comment ${outcome.action}: ${outcome.url}`);
      if (outcome.warning) reportGitHub(`Warning: ${outcome.warning}`);
    }
    setExit(report.head.status === 'invalid' ? ExitCode.error : hasDeclaredChanges(report.diff) ? ExitCode.changes : ExitCode.ok);
  });
  program.addCommand(command);
};

function print(report: DiffReport, format: DiffOptions['format']): void {
  if (format === 'json') printOut(renderDiffJson(report).trimEnd());
  else if (format === 'markdown') printOut(renderDiffMarkdown(report).trimEnd());
  else printOut(renderDiffText(report, terminalPaint()).trimEnd());
}
