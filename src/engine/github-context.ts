import { KeyplanError } from '../core/errors.js';
import { createGitHubClient, githubFailure, GitHubError, type GitHubClient, type GitHubOperation } from '../github/octokit.js';
import type { Env } from '../github/token.js';
import { actionsContext, parseRepo, repoName, type ActionsContext, type RepoRef } from '../github/repo.js';

/** What every GitHub-facing command is given: the environment (token, API URL, Actions context) and, for tests, a fetch. */
export interface GitHubRun {
  env: Env;
  fetch?: typeof globalThis.fetch;
  cwd?: string;
}

export function githubClient(run: GitHubRun, purpose: string): GitHubClient {
  return createGitHubClient({ env: run.env, ...(run.fetch ? { fetch: run.fetch } : {}), purpose });
}

export interface PullRequestTarget {
  repo: RepoRef;
  number: number;
  context: ActionsContext;
}

/** The pull request from --repo/--pr, else from the Actions event (pull_request.number, GITHUB_REPOSITORY). */
export async function pullRequestTarget(run: GitHubRun, flags: { repo?: string; pr?: number }): Promise<PullRequestTarget> {
  const context = await actionsContext(run.env);
  const repo = flags.repo ? parseRepo(flags.repo, '--repo') : context.repo;
  const number = flags.pr ?? context.pullRequest;
  if (!repo || number === undefined) {
    throw new KeyplanError('--comment needs a pull request: run it in a pull_request workflow, or pass --pr N --repo owner/name');
  }
  return { repo, number, context };
}

export function repoTarget(context: ActionsContext, flag: string | undefined, what: string): RepoRef {
  const repo = flag ? parseRepo(flag, '--repo') : context.repo;
  if (!repo) throw new KeyplanError(`${what} needs a repository: run it in GitHub Actions (GITHUB_REPOSITORY), or pass --repo owner/name`);
  return repo;
}

/** A GitHub failure as a one-line KeyplanError naming what was being done. */
export function failure(error: unknown, client: GitHubClient, repo: RepoRef, action: string, permission: string, notFound?: string): GitHubError {
  const operation: GitHubOperation = { action, repo: repoName(repo), permission };
  const mapped = githubFailure(error, operation, client);
  return mapped.status === 404 && notFound ? new GitHubError(`${notFound}, or not visible to the token in ${client.tokenVariable}`, 404) : mapped;
}

/** GitHub answered 403 to a write: a read-only token, as on pull requests from forks. */
export function isForbidden(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  const message = String((error as { response?: { data?: { message?: unknown } } }).response?.data?.message ?? (error as Error).message ?? '');
  return status === 403 && !/rate limit/i.test(message);
}
