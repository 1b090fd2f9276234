import { Command, Option } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import { failsAudit, parseAsOf, type AuditReport } from '../../core/audit.js';
import type { DesiredState } from '../../core/model.js';
import type { Severity } from '../../core/plan-types.js';
import { auditFromConfig, proposeFromConfig, type AuditRequest } from '../../engine/audit.js';
import { AUDIT_FORMATS, type AuditFormat } from '../../render/audit-formats.js';
import { auditMarkdownChunks } from '../../render/audit-markdown.js';
import { isoDate } from '../../core/humanize.js';
import { summarizeChunks } from '../../engine/github-actions.js';
import { reportGitHub } from '../github-options.js';
import { addAppOption, refuseWithApp, withConfigSource } from '../app-option.js';
import { addConfigOption, formatOption, providerOptions, terminalPaint } from '../common.js';
import { printOut } from '../output.js';
import { writeChunks } from '../write-chunks.js';
import { packageVersion } from '../version.js';
import type { RegisterCommand } from './index.js';

interface AuditOptions {
  issue?: boolean;
  repo?: string;
  config: string;
  app?: string;
  provider?: string;
  format: AuditFormat;
  failOn: Severity;
  asOf?: string;
  propose?: boolean;
}

export const registerAudit: RegisterCommand = (program, setExit) => {
  const command = new Command('audit')
    .description('report stale, never-used, expiring, unmanaged and over-privileged keys (exit 2 on findings at or above --fail-on)')
    .option('--provider <name>', 'audit only this provider')
    .addOption(formatOption(Object.keys(AUDIT_FORMATS), 'text'))
    .addOption(new Option('--fail-on <severity>', 'exit 2 when a finding is at least this severe').choices(['warning', 'error']).default('error'))
    .option('--as-of <when>', 'judge the keys at another moment: 2027-06-30, 2027-06-30T12:00:00Z, +30d, -2w')
    .option('--propose', 'edit keys.yaml in place: remove stale and never-used keys, add the expiry policy requires')
    .option('--issue', 'keep one GitHub issue with the findings at or above --fail-on: opened, updated, closed when clean')
    .option('--repo <owner/name>', 'with --issue: the repository (default: GITHUB_REPOSITORY)');
  addAppOption(addConfigOption(command)).action((options: AuditOptions, cmd: Command) => withConfigSource(options, cmd, async ({ configPath, app }) => {
    if (options.propose) {
      refuseWithApp(app, 'audit --propose edits keys.yaml in place, but with --app a program writes it: run audit without --propose and change the program as its findings say');
    }
    const now = Date.now();
    let asOf = now;
    if (options.asOf !== undefined) {
      const parsed = parseAsOf(options.asOf, now);
      if (!parsed.ok) throw new UsageError(parsed.message);
      asOf = parsed.at;
    }
    const request: AuditRequest = { configPath, provider: options.provider, now, asOf, providerOptions: providerOptions() };
    if (options.propose) {
      printOut(describeProposal(await proposeFromConfig(request)));
      return;
    }
    const { report, state } = await auditFromConfig(request);
    await writeChunks(AUDIT_FORMATS[options.format](report, { paint: terminalPaint(), toolVersion: packageVersion() }));
    await summarizeChunks(process.env, auditMarkdownChunks(report));
    if (options.issue) await keepAuditIssue(report, state, options);
    if (failsAudit(report, options.failOn)) setExit(ExitCode.changes);
  }));
  program.addCommand(command);
};

async function keepAuditIssue(report: AuditReport, state: DesiredState, options: AuditOptions): Promise<void> {
  // Loaded only for --issue: the GitHub client (Octokit) is no part of a plain audit's start.
  const [{ syncAuditIssue }, { configName, ownershipOf }, { renderAuditIssueMarkdown }] = await Promise.all([
    import('../../engine/github-audit-issue.js'),
    import('../../engine/github-names.js'),
    import('../../render/audit-issue-markdown.js'),
  ]);
  const config = configName(options.config);
  const result = await syncAuditIssue({
    env: process.env,
    config,
    ownership: ownershipOf(state),
    failing: failsAudit(report, options.failOn),
    render: (limit, fullReportAt) => renderAuditIssueMarkdown(report, { config, limit, ...(fullReportAt ? { fullReportAt } : {}) }),
    asOf: isoDate(report.asOf),
    ...(options.repo ? { repo: options.repo } : {}),
  });
  const where = result.url ? `: ${result.url}` : '';
  const text = { created: 'opened', updated: 'updated', reopened: 'reopened', unchanged: 'unchanged', closed: 'closed (the audit is clean)', none: 'not needed (the audit is clean)' }[result.action];
  reportGitHub(`Audit issue ${text}${where}`);
  if (result.duplicatesClosed.length > 0) reportGitHub(`Closed duplicate audit issues: ${result.duplicatesClosed.map((n) => `#${n}`).join(', ')}`);
}

function describeProposal({ applied, skipped }: Awaited<ReturnType<typeof proposeFromConfig>>): string {
  const lines = applied.length === 0 ? ['No changes proposed: no stale or never-used declared keys, no missing expiries.'] : ['Proposed changes (files edited in place):'];
  for (const edit of applied) lines.push(`  ${edit.file}:${edit.line}: ${edit.change} ${edit.name} (${edit.reason})`);
  if (skipped.length > 0) lines.push('Left alone:');
  for (const key of skipped) lines.push(`  ${key.file}:${key.line}: ${key.name}: ${key.reason}`);
  return lines.join('\n');
}
