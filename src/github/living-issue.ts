import { createComment } from './comments.js';
import { ensureLabel, type LabelSpec } from './labels.js';
import type { GitHubClient } from './octokit.js';
import type { RepoRef } from './repo.js';

export interface LivingIssueRequest {
  repo: RepoRef;
  /** The hidden first line of the body that names this issue. */
  marker: string;
  label: LabelSpec;
  title: string;
  /** The whole body, starting with the marker. */
  body: string;
  /** The login keyplan writes as: issues by anyone else are never touched. */
  author: string;
  /** true: the issue should be open with this body; false: the report is clean, close it. */
  open: boolean;
  /** The comment left when closing a clean report. */
  closingComment: string;
}

export interface LivingIssueResult {
  action: 'created' | 'updated' | 'reopened' | 'unchanged' | 'closed' | 'none';
  number?: number;
  url?: string;
  /** Extra open copies closed as duplicates of the one kept. */
  duplicatesClosed: number[];
}

interface FoundIssue {
  number: number;
  state: string;
  body: string;
  title: string;
  url: string;
}

/**
 * Keeps exactly one issue per marker: opened on the first failing report, edited when the report changes
 * (nothing written when it does not), closed with a comment when the report is clean, and reopened rather
 * than duplicated; extra open copies are closed as duplicates of the oldest.
 */
export async function syncLivingIssue(client: GitHubClient, request: LivingIssueRequest): Promise<LivingIssueResult> {
  const { repo } = request;
  const found = await findIssues(client, request);
  const open = found.filter((i) => i.state === 'open').sort((a, b) => a.number - b.number);
  const [kept, ...duplicates] = open;
  const duplicatesClosed: number[] = [];
  for (const duplicate of duplicates) {
    await createComment(client, repo, duplicate.number, `Duplicate of #${kept?.number}: keyplan keeps one audit issue per configuration.`);
    await client.octokit.rest.issues.update({ ...repo, issue_number: duplicate.number, state: 'closed', state_reason: 'not_planned' });
    duplicatesClosed.push(duplicate.number);
  }

  if (!request.open) {
    if (!kept) return { action: 'none', duplicatesClosed };
    await createComment(client, repo, kept.number, request.closingComment);
    await client.octokit.rest.issues.update({ ...repo, issue_number: kept.number, state: 'closed', state_reason: 'completed' });
    return { action: 'closed', number: kept.number, url: kept.url, duplicatesClosed };
  }
  if (kept) {
    if (kept.body === request.body && kept.title === request.title) return { action: 'unchanged', number: kept.number, url: kept.url, duplicatesClosed };
    await client.octokit.rest.issues.update({ ...repo, issue_number: kept.number, title: request.title, body: request.body });
    return { action: 'updated', number: kept.number, url: kept.url, duplicatesClosed };
  }
  const closed = found.filter((i) => i.state === 'closed').sort((a, b) => b.number - a.number)[0];
  if (closed) {
    await client.octokit.rest.issues.update({ ...repo, issue_number: closed.number, state: 'open', title: request.title, body: request.body });
    return { action: 'reopened', number: closed.number, url: closed.url, duplicatesClosed };
  }
  await ensureLabel(client, repo, request.label);
  const { data } = await client.octokit.rest.issues.create({ ...repo, title: request.title, body: request.body, labels: [request.label.name] });
  return { action: 'created', number: data.number, url: data.html_url, duplicatesClosed };
}

async function findIssues(client: GitHubClient, request: LivingIssueRequest): Promise<FoundIssue[]> {
  const issues = await client.octokit.paginate(client.octokit.rest.issues.listForRepo, { ...request.repo, labels: request.label.name, state: 'all', per_page: 100 });
  return issues
    .filter((i) => !i.pull_request && i.user?.login === request.author && (i.body ?? '').startsWith(request.marker))
    .map((i) => ({ number: i.number, state: i.state, body: i.body ?? '', title: i.title, url: i.html_url }));
}
