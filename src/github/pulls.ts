import type { GitHubClient } from './octokit.js';
import type { RepoRef } from './repo.js';

/** The pull request a commit was merged by (or, failing that, the first one that contains it). */
export async function pullRequestForCommit(client: GitHubClient, repo: RepoRef, sha: string): Promise<number | undefined> {
  const { data } = await client.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha, per_page: 100 });
  const merged = data.find((pr) => pr.merge_commit_sha === sha && pr.merged_at) ?? data.find((pr) => pr.merged_at) ?? data[0];
  return merged?.number;
}

/** An open pull request of `repo` as GitHub reports it: its head commit and where that commit comes from. */
export interface PullHead {
  number: number;
  headSha: string;
  headRepository: string | undefined;
}

/** The open pull requests of `repo` whose head is `headOwner:branch`. */
export async function openPullsWithHead(client: GitHubClient, repo: RepoRef, headOwner: string, branch: string): Promise<PullHead[]> {
  const pulls = await client.octokit.paginate(client.octokit.rest.pulls.list, { ...repo, state: 'open', head: `${headOwner}:${branch}`, per_page: 100 });
  return pulls.map((pr) => ({ number: pr.number, headSha: pr.head.sha, headRepository: pr.head.repo?.full_name }));
}
