import { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { hasChanges } from '../../core/plan.js';
import { planFromConfig } from '../../engine/plan.js';
import { serializePlanFile } from '../../engine/plan-file.js';
import { writeGeneratedFile } from '../../engine/files.js';
import { planJsonChunks } from '../../render/plan-json.js';
import { renderPlanMarkdown } from '../../render/plan-markdown.js';
import { planTextChunks } from '../../render/plan-text.js';
import { annotationText, inGitHubActions, planAnnotations, setStepOutputs, summarizePlan } from '../../engine/github-actions.js';
import { configName, ownershipOf } from '../../engine/github-names.js';
import { addAppOption, withConfigSource } from '../app-option.js';
import { addConfigOption, formatOption, providerOptions, terminalPaint } from '../common.js';
import { addPullRequestOptions, annotationStream, commentModeOption, reportGitHub, type PullRequestFlags } from '../github-options.js';
import { printOut } from '../output.js';
import { writeChunks } from '../write-chunks.js';
import type { RegisterCommand } from './index.js';

interface PlanOptions extends PullRequestFlags {
  comment?: boolean;
  commentMode: 'update' | 'recreate';
  labels: boolean;
  config: string;
  app?: string;
  provider?: string;
  format: 'text' | 'markdown' | 'json';
  out?: string;
  detailedExitcode?: boolean;
  secretsOut?: string;
}

export const registerPlan: RegisterCommand = (program, setExit) => {
  const command = new Command('plan')
    .description('show what apply would change: creates, updates, rotations and revokes, with warnings and findings')
    .option('--provider <name>', 'plan only this provider')
    .addOption(formatOption(['text', 'markdown', 'json'], 'text'))
    .option('--out <file>', 'save the plan for `keyplan apply FILE`')
    .option('--detailed-exitcode', 'exit 2 when there are changes (0: none, 1: error)')
    .option('--secrets-out <file>', 'the --secrets-out apply will be given: new secrets without a deliver: target may go there')
    .option('--comment', 'keep the plan as one comment on the pull request, per configuration (token: GITHUB_TOKEN or GH_TOKEN)')
    .addOption(commentModeOption())
    .option('--no-labels', 'with --comment: do not set keyplan:* labels on the pull request');
  addAppOption(addPullRequestOptions(addConfigOption(command))).action((options: PlanOptions, cmd: Command) => withConfigSource(options, cmd, async ({ configPath, projectDir, app }) => {
    const { plan, descriptions, state } = await planFromConfig({
      configPath,
      provider: options.provider,
      now: Date.now(),
      providerOptions: providerOptions(),
      projectDir,
      destinations: { secretsOut: options.secretsOut, env: process.env },
    });
    if (options.format === 'json') await writeChunks(planJsonChunks(plan));
    else if (options.format === 'markdown') printOut(renderPlanMarkdown(plan));
    else await writeChunks(planTextChunks(plan, { paint: terminalPaint(), describeProvider: (name) => descriptions[name] ?? name }));

    const env = process.env;
    const config = configName(options.config);
    if (inGitHubActions(env)) annotationStream(options.format).write(annotationText(planAnnotations(plan, config)));
    await summarizePlan(env, plan, { config });
    let commentUrl = '';
    if (options.comment) {
      const { commentPlanOnPullRequest } = await import('../../engine/github-plan-comment.js');
      const outcome = await commentPlanOnPullRequest({ env, plan, config, ownership: ownershipOf(state), mode: options.commentMode, labels: options.labels, pr: options.pr, repo: options.repo });
      if (outcome.url) reportGitHub(`Plan comment ${outcome.action}: ${outcome.url}`);
      if (outcome.warning) reportGitHub(`Warning: ${outcome.warning}`);
      commentUrl = outcome.url ?? '';
    }
    await setStepOutputs(env, { 'has-changes': String(hasChanges(plan)), 'comment-url': commentUrl });

    const problems = plan.providers.some((p) => p.problems.length > 0);
    if (options.out && !problems) {
      const shown = await writeGeneratedFile(options.out, serializePlanFile(plan, configPath), 0o600);
      const again = app ? ` --app ${JSON.stringify(app)}` : '';
      process.stderr.write(`Saved the plan to ${shown}. Apply exactly it with: keyplan apply ${shown}${again}\n`);
    }
    if (problems) setExit(ExitCode.error);
    else if (options.detailedExitcode && hasChanges(plan)) setExit(ExitCode.changes);
  }));
  program.addCommand(command);
};
