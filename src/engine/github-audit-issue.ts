import { syncLivingIssue, type LivingIssueResult } from '../github/living-issue.js';
import { tokenLogin } from '../github/identity.js';
import { actionsContext } from '../github/repo.js';
import { failure, githubClient, repoTarget, type GitHubRun } from './github-context.js';
import { markerFor } from './github-names.js';
import { GITHUB_COMMENT_LIMIT } from './github-plan-comment.js';

export const AUDIT_LABEL = { name: 'keyplan-audit', color: '5319e7', description: 'keyplan: the scheduled audit of API keys' } as const;

export interface AuditIssueRequest extends GitHubRun {
  config: string;
  ownership: string | undefined;
  /** Findings at or above --fail-on: the issue should be open. */
  failing: boolean;
  /** Renders the body within a size limit. */
  render: (limit: number, fullReportAt: string | undefined) => string;
  /** "as of 2026-11-23", for the closing comment. */
  asOf: string;
  repo?: string;
}

/** `audit --issue`: one living issue per configuration, opened, updated, closed or reopened to match the audit. */
export async function syncAuditIssue(request: AuditIssueRequest): Promise<LivingIssueResult> {
  const context = await actionsContext(request.env);
  const repo = repoTarget(context, request.repo, 'audit --issue');
  const client = githubClient(request, 'write issues');
  const marker = markerFor('audit', request.config, request.ownership);
  const fullReportAt = context.runUrl ? `[the step summary of this run](${context.runUrl})` : undefined;
  const body = `${marker}\n${request.render(GITHUB_COMMENT_LIMIT - marker.length - 64, fullReportAt)}`;
  try {
    return await syncLivingIssue(client, {
      repo,
      marker,
      label: AUDIT_LABEL,
      title: `keyplan audit: findings in ${request.config}`,
      body,
      author: await tokenLogin(client),
      open: request.failing,
      closingComment: `The keyplan audit of \`${request.config}\` is clean as of ${request.asOf}; closing. It reopens this issue if findings return.`,
    });
  } catch (error) {
    throw failure(error, client, repo, 'keep the audit issue', 'issues: write');
  }
}
