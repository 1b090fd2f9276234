import { Command } from 'commander';
import type { ActionOutcome } from '../../core/apply-outcome.js';
import { ExitCode, KeyplanError, UsageError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { runApply, type ApplyHooks } from '../../engine/apply-run.js';
import { applyReportJson, applySummary, outcomeLine } from '../../render/apply-report.js';
import { planTextChunks } from '../../render/plan-text.js';
import { addAppOption, withConfigSource, type ConfigSource } from '../app-option.js';
import { addConfigOption, formatOption, parsePositiveInt, providerOptions, terminalPaint } from '../common.js';
import { commentApplyOnPullRequest } from '../../engine/github-apply-comment.js';
import { annotationText, inGitHubActions, planAnnotations, summarizeMarkdown } from '../../engine/github-actions.js';
import { configName } from '../../engine/github-names.js';
import { renderApplyFailureMarkdown, renderApplyMarkdown } from '../../render/apply-markdown.js';
import { addPullRequestOptions, reportGitHub, type PullRequestFlags } from '../github-options.js';
import { ApplyInterrupt } from '../interrupt.js';
import { printOut } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { confirm, isInteractive } from '../prompt.js';
import type { RegisterCommand } from './index.js';

interface ApplyOptions extends PullRequestFlags {
  config: string;
  app?: string;
  provider?: string;
  autoApprove?: boolean;
  allowInUse?: boolean;
  force?: boolean;
  parallelism: number;
  secretsOut?: string;
  lockTimeout: number;
  format: 'text' | 'json';
  comment?: boolean;
}

export const registerApply: RegisterCommand = (program, setExit) => {
  const command = new Command('apply')
    .description('carry out the plan: creates and updates, rotations (create, deliver, retire), revokes last')
    .argument('[planfile]', 'apply exactly this saved plan (from `keyplan plan --out`)')
    .option('--provider <name>', 'apply only this provider')
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--allow-in-use', 'revoke keys even when they were used recently or have consumers')
    .option('--force', 'apply even when revokes and rotations exceed max_change_fraction')
    .option('--parallelism <n>', 'actions carried out at once', parsePositiveInt('--parallelism'), 8)
    .option('--secrets-out <file>', 'also write every new secret to this file (mode 0600; .json for JSON, else dotenv)')
    .option('--lock-timeout <duration>', 'wait this long (30s, 5m) for another apply of this configuration to end; 0: refuse at once', parseLockTimeout, 0)
    .addOption(formatOption(['text', 'json'], 'text'))
    .option('--comment', 'report the result on the merged pull request (found from GITHUB_SHA, or --pr)');
  addAppOption(addPullRequestOptions(addConfigOption(command))).action(async (planFile: string | undefined, options: ApplyOptions, cmd: Command) => {
    setExit(await withConfigSource(options, cmd, (source) => applyCommand(planFile, options, source)));
  });
  program.addCommand(command);
};

async function applyCommand(planFile: string | undefined, options: ApplyOptions, source: ConfigSource): Promise<number> {
  const json = options.format === 'json';
  // The run (plan, action lines, summary) goes to stdout, so `apply | tee apply.log` keeps it; with
  // --format json stdout carries only the JSON report and the run goes to stderr. Errors: stderr.
  const out = json ? process.stderr : process.stdout;
  const paint = terminalPaint(out);
  const progress = new ProgressReporter(out);
  const interrupt = new ApplyInterrupt((line) => progress.line(line));
  try {
    return await applyWithHooks(planFile, options, source, { out, paint, progress, interrupt });
  } finally {
    interrupt.dispose();
  }
}

interface Terminal {
  out: NodeJS.WriteStream;
  paint: ReturnType<typeof terminalPaint>;
  progress: ProgressReporter;
  interrupt: ApplyInterrupt;
}

async function applyWithHooks(planFile: string | undefined, options: ApplyOptions, source: ConfigSource, { out, paint, progress, interrupt }: Terminal): Promise<number> {
  const json = options.format === 'json';
  const hooks: ApplyHooks = {
    log: (line) => progress.line(line),
    showPlan: (plan, describeProvider) => {
      for (const chunk of planTextChunks(plan, { paint, describeProvider })) out.write(chunk);
      if (inGitHubActions(process.env)) out.write(annotationText(planAnnotations(plan, configName(options.config))));
    },
    overrideGate: async (refusal) =>
      !options.autoApprove && isInteractive() && confirm(`${refusal.message}\nType the key name (${refusal.keyName}) to revoke it anyway: `, refusal.keyName ?? ''),
    approve: async () => {
      if (options.autoApprove) return true;
      if (!isInteractive()) throw new KeyplanError('apply needs confirmation: run it at a terminal, or pass --auto-approve. Nothing was changed.');
      return confirm('Apply these changes? Only "yes" is accepted: ', 'yes');
    },
    started: (total) => {
      interrupt.running();
      progress.start(total);
    },
    onOutcome: (outcome) => progress.settled(outcomeLine(outcome, paint)),
  };
  const result = await reportFailureOnGitHub(options, () => runApply(
    {
      configPath: source.configPath,
      ...(source.app ? { synthesized: true, projectDir: source.projectDir } : {}),
      ...(planFile ? { planFile } : {}),
      ...(options.provider ? { provider: options.provider } : {}),
      parallelism: options.parallelism,
      ...(options.secretsOut ? { secretsOut: options.secretsOut } : {}),
      lockTimeoutMs: options.lockTimeout,
      allowInUse: Boolean(options.allowInUse),
      force: Boolean(options.force),
      env: providerOptions().env,
      now: Date.now(),
      signal: interrupt.signal,
    },
    hooks,
  ));
  progress.finish();
  if (result.status === 'cancelled') {
    progress.line('Apply cancelled. Nothing was changed.');
    return ExitCode.error;
  }
  await reportOnGitHub(result.outcomes, options);
  if (json) printOut(JSON.stringify(applyReportJson(result.outcomes), null, 2));
  out.write(`${applySummary(result.outcomes, paint, result.status === 'interrupted')}\n`);
  if (result.status === 'interrupted') return ExitCode.interrupted;
  return result.outcomes.every((o) => o.status === 'done') ? ExitCode.ok : ExitCode.error;
}

/** The result in the step summary and, with --comment, on the merged pull request. */
async function reportOnGitHub(outcomes: readonly ActionOutcome[], options: ApplyOptions): Promise<void> {
  const config = configName(options.config);
  await summarizeMarkdown(process.env, renderApplyMarkdown(outcomes, { config }));
  if (!options.comment) return;
  const outcome = await commentApplyOnPullRequest({
    env: process.env,
    render: (limit, fullReportAt) => renderApplyMarkdown(outcomes, { config, limit, fullReportAt }),
    ...(options.pr ? { pr: options.pr } : {}),
    ...(options.repo ? { repo: options.repo } : {}),
  });
  if (outcome.url) reportGitHub(`Apply comment posted: ${outcome.url}`);
  if (outcome.warning) reportGitHub(`Warning: ${outcome.warning}`);
}

/** An apply that stops before acting (a gate, a stale plan, a problem) is reported on the pull request too. */
async function reportFailureOnGitHub<T>(options: ApplyOptions, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (options.comment && error instanceof KeyplanError) {
      const markdown = renderApplyFailureMarkdown(error.message, { config: configName(options.config) });
      await summarizeMarkdown(process.env, markdown);
      const outcome = await commentApplyOnPullRequest({ env: process.env, render: () => markdown, ...(options.pr ? { pr: options.pr } : {}), ...(options.repo ? { repo: options.repo } : {}) }).catch(() => ({ url: undefined, warning: undefined }));
      if (outcome.url) reportGitHub(`Apply comment posted: ${outcome.url}`);
    }
    throw error;
  }
}

/** `--lock-timeout 30s`: a duration (s, m, h), or 0. */
function parseLockTimeout(value: string): number {
  const ms = value === '0' ? 0 : parseDuration(value);
  if (ms === undefined) throw new UsageError(`--lock-timeout must be a duration such as 30s, 5m or 1h (or 0), not "${value}"`);
  return ms;
}
