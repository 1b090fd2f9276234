import type { GitHubClient } from './octokit.js';
import type { RepoRef } from './repo.js';

export interface IssueComment {
  id: number;
  nodeId: string;
  body: string;
  author: string;
  url: string;
}

/** Every comment on an issue or pull request, oldest first. */
export async function listComments(client: GitHubClient, repo: RepoRef, issueNumber: number): Promise<IssueComment[]> {
  const comments = await client.octokit.paginate(client.octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
  return comments.map((c) => ({ id: c.id, nodeId: c.node_id, body: c.body ?? '', author: c.user?.login ?? '', url: c.html_url }));
}

export async function createComment(client: GitHubClient, repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment> {
  const { data } = await client.octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
  return { id: data.id, nodeId: data.node_id, body: data.body ?? body, author: data.user?.login ?? '', url: data.html_url };
}

export type StickyMode = 'update' | 'recreate';

export interface StickyCommentRequest {
  repo: RepoRef;
  issueNumber: number;
  /** The hidden first line that names this comment; only comments starting with it and written by `author` are keyplan's. */
  marker: string;
  /** The whole body, starting with the marker. */
  body: string;
  /** The login keyplan writes as. */
  author: string;
  mode: StickyMode;
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged' | 'recreated';
  url: string;
  /** Older copies hidden as outdated (recreate mode). */
  minimized: number;
  /** Every comment on the issue, as found before writing (for callers that read other keyplan comments). */
  others: IssueComment[];
}

/**
 * One comment per marker: created once, then edited in place (or, in recreate mode, posted anew with the old
 * one minimized as OUTDATED); nothing is written when the body is unchanged. A comment by someone else that
 * quotes the marker is never touched.
 */
export async function upsertStickyComment(client: GitHubClient, request: StickyCommentRequest): Promise<StickyCommentResult> {
  const { repo, issueNumber, marker, body, author } = request;
  const all = await listComments(client, repo, issueNumber);
  const mine = all.filter((c) => c.author === author && c.body.startsWith(marker));
  const others = all.filter((c) => !mine.includes(c));
  const latest = mine.at(-1);
  if (latest && latest.body === body) return { action: 'unchanged', url: latest.url, minimized: 0, others };
  if (latest && request.mode === 'update') {
    const { data } = await client.octokit.rest.issues.updateComment({ ...repo, comment_id: latest.id, body });
    return { action: 'updated', url: data.html_url, minimized: 0, others };
  }
  const created = await createComment(client, repo, issueNumber, body);
  let minimized = 0;
  for (const old of mine) {
    await minimizeComment(client, old.nodeId);
    minimized++;
  }
  return { action: latest ? 'recreated' : 'created', url: created.url, minimized, others };
}

/** Hides a comment as outdated (GraphQL minimizeComment; REST has no equivalent). */
export async function minimizeComment(client: GitHubClient, nodeId: string): Promise<void> {
  await client.octokit.graphql(
    'mutation($id: ID!) { minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) { minimizedComment { isMinimized } } }',
    { id: nodeId },
  );
}
