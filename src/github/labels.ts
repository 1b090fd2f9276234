import type { GitHubClient } from './octokit.js';
import type { RepoRef } from './repo.js';

export interface LabelSpec {
  name: string;
  /** Six hex digits, no `#`. */
  color: string;
  description: string;
}

/**
 * Sets `wanted` on an issue or pull request and removes every other label whose name starts with `family`;
 * labels that do not exist yet are created with their colour first.
 */
export async function setLabelFamily(client: GitHubClient, repo: RepoRef, issueNumber: number, family: string, wanted: readonly LabelSpec[]): Promise<void> {
  const current = await client.octokit.paginate(client.octokit.rest.issues.listLabelsOnIssue, { ...repo, issue_number: issueNumber, per_page: 100 });
  const have = new Set(current.map((l) => l.name));
  const want = new Set(wanted.map((l) => l.name));
  for (const name of have) {
    if (name.startsWith(family) && !want.has(name)) await client.octokit.rest.issues.removeLabel({ ...repo, issue_number: issueNumber, name });
  }
  const missing = wanted.filter((l) => !have.has(l.name));
  if (missing.length === 0) return;
  for (const label of missing) await ensureLabel(client, repo, label);
  await client.octokit.rest.issues.addLabels({ ...repo, issue_number: issueNumber, labels: missing.map((l) => l.name) });
}

/** Creates the label unless the repository has it (a concurrent run creating it first is fine). */
export async function ensureLabel(client: GitHubClient, repo: RepoRef, label: LabelSpec): Promise<void> {
  try {
    await client.octokit.rest.issues.getLabel({ ...repo, name: label.name });
    return;
  } catch (error) {
    if ((error as { status?: unknown }).status !== 404) throw error;
  }
  try {
    await client.octokit.rest.issues.createLabel({ ...repo, ...label });
  } catch (error) {
    if ((error as { status?: unknown }).status !== 422) throw error;
  }
}
