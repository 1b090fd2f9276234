import type { GitHubClient } from './octokit.js';
import type { RepoRef } from './repo.js';

/** The pull request a commit was merged by (or, failing that, the first one that contains it). */
export async function pullRequestForCommit(client: GitHubClient, repo: RepoRef, sha: string): Promise<number | undefined> {
  const { data } = await client.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha, per_page: 100 });
  const merged = data.find((pr) => pr.merge_commit_sha === sha && pr.merged_at) ?? data.find((pr) => pr.merged_at) ?? data[0];
  return merged?.number;
}
