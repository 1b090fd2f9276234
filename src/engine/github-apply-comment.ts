import { createComment } from '../github/comments.js';
import { pullRequestForCommit } from '../github/pulls.js';
import { actionsContext, repoName } from '../github/repo.js';
import { failure, githubClient, isForbidden, repoTarget, type GitHubRun } from './github-context.js';
import { GITHUB_COMMENT_LIMIT } from './github-plan-comment.js';

export interface ApplyCommentRequest extends GitHubRun {
  /** Renders the report within a size limit, pointing at `fullReportAt` when shortened. */
  render: (limit: number, fullReportAt: string | undefined) => string;
  pr?: number;
  repo?: string;
  /** The merged commit (default: GITHUB_SHA). */
  sha?: string;
}

export interface ApplyCommentOutcome {
  url?: string;
  warning?: string;
}

/** The apply result as a new comment on the pull request that was merged (found from the commit when not given). */
export async function commentApplyOnPullRequest(request: ApplyCommentRequest): Promise<ApplyCommentOutcome> {
  const context = await actionsContext(request.env);
  const repo = repoTarget(context, request.repo, 'apply --comment');
  const client = githubClient(request, 'comment on pull requests');
  const sha = request.sha ?? context.sha;
  let number = request.pr ?? context.pullRequest;
  try {
    if (number === undefined && sha) number = await pullRequestForCommit(client, repo, sha);
  } catch (error) {
    throw failure(error, client, repo, `find the pull request of commit ${sha}`, 'pull-requests: read');
  }
  if (number === undefined) {
    return { warning: `no comment was posted: no pull request of ${repoName(repo)} contains commit ${sha ?? '(unknown: set GITHUB_SHA or pass --pr)'}` };
  }
  const fullReportAt = context.runUrl ? `[the step summary of this run](${context.runUrl})` : undefined;
  const body = `<!-- keyplan:apply -->\n${request.render(GITHUB_COMMENT_LIMIT - 64, fullReportAt)}`;
  try {
    const comment = await createComment(client, repo, number, body);
    return { url: comment.url };
  } catch (error) {
    if (isForbidden(error)) return { warning: `no comment was posted on pull request #${number}: GitHub refused the token in ${client.tokenVariable} write access to ${repoName(repo)}` };
    throw failure(error, client, repo, `comment on pull request #${number}`, 'pull-requests: write', `pull request #${number} of ${repoName(repo)} not found`);
  }
}
