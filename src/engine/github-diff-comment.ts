import type { DiffReport } from '../core/declared-diff-types.js';
import { KeyplanError } from '../core/errors.js';
import { upsertStickyComment, type StickyCommentResult } from '../github/comments.js';
import { tokenLogin } from '../github/identity.js';
import { openPullsWithHead } from '../github/pulls.js';
import { actionsContext, parseRepo, repoName, type RepoRef, type TriggeringRun } from '../github/repo.js';
import { renderDiffMarkdown } from '../render/diff-markdown.js';
import { failure, githubClient, isForbidden, pullRequestTarget, type GitHubRun } from './github-context.js';
import { GITHUB_COMMENT_LIMIT } from './github-plan-comment.js';
import { markerFor } from './github-names.js';

export interface DiffCommentRequest extends GitHubRun {
  report: DiffReport;
  pr?: number;
  repo?: string;
  /** The report was read from another run's artifact: say so in the comment. */
  fromArtifact?: boolean;
}

export interface DiffCommentOutcome {
  url?: string;
  action?: StickyCommentResult['action'];
  warning?: string;
}

/**
 * The diff as the pull request's one keyplan diff comment. In a `workflow_run` job the pull request is the one
 * whose head repository and head SHA are those of the triggering run, as GitHub's event says; nothing a run
 * uploaded chooses it. Only a comment keyplan's own token wrote with this configuration's marker is edited.
 */
export async function commentDiffOnPullRequest(request: DiffCommentRequest): Promise<DiffCommentOutcome> {
  const client = githubClient(request, 'comment on pull requests');
  const { repo, number, fromFork } = await target(request, client);
  const marker = markerFor('diff', request.report.config, request.report.ownership);
  const source = request.fromArtifact ? "the pull request's own run (as uploaded; a change to the workflow in the pull request changes what it says)" : undefined;
  const body = `${marker}\n${renderDiffMarkdown(request.report, { limit: GITHUB_COMMENT_LIMIT - marker.length - 64, source })}`;
  const where = `pull request #${number}`;
  try {
    const author = await tokenLogin(client);
    const result = await upsertStickyComment(client, { repo, issueNumber: number, marker, body, author, mode: 'update' });
    return { url: result.url, action: result.action };
  } catch (error) {
    if (isForbidden(error)) {
      const why = fromFork ? 'pull requests from forks get a read-only token' : 'the token may only read';
      return { warning: `no diff comment was posted on ${where}: GitHub refused the token in ${client.tokenVariable} write access to ${repoName(repo)} (${why}). Upload the diff as an artifact and post it from a \`workflow_run\` workflow (see examples/github/).` };
    }
    throw failure(error, client, repo, `comment on ${where}`, 'pull-requests: write', `${where} of ${repoName(repo)} not found`);
  }
}

async function target(request: DiffCommentRequest, client: ReturnType<typeof githubClient>): Promise<{ repo: RepoRef; number: number; fromFork?: boolean }> {
  const context = await actionsContext(request.env);
  if (!context.workflowRun || request.pr !== undefined) {
    const found = await pullRequestTarget(request, request);
    return { repo: found.repo, number: found.number, fromFork: found.context.fromFork };
  }
  const repo = request.repo ? parseRepo(request.repo, '--repo') : context.repo;
  if (!repo) throw new KeyplanError('--comment in a workflow_run job needs GITHUB_REPOSITORY');
  return { repo, number: await pullOfRun(client, repo, context.workflowRun) };
}

/** The one open pull request whose head is the triggering run's head repository and commit. */
async function pullOfRun(client: ReturnType<typeof githubClient>, repo: RepoRef, run: TriggeringRun): Promise<number> {
  if (run.event !== 'pull_request') throw new KeyplanError(`the triggering run was a ${run.event} run, not a pull_request run: there is no pull request to comment on`);
  const headOwner = parseRepo(run.headRepository, 'workflow_run.head_repository').owner;
  let pulls;
  try {
    pulls = await openPullsWithHead(client, repo, headOwner, run.headBranch);
  } catch (error) {
    throw failure(error, client, repo, 'list pull requests', 'pull-requests: read');
  }
  const matching = pulls.filter((pr) => pr.headSha === run.headSha && pr.headRepository === run.headRepository);
  if (matching.length !== 1) {
    throw new KeyplanError(
      `no single open pull request of ${repoName(repo)} has head ${run.headRepository}@${run.headSha.slice(0, 12)} (found ${matching.length}): ` +
        'the pull request moved on or closed since the run; nothing was posted',
    );
  }
  return (matching[0] as { number: number }).number;
}
