import { hasChanges } from '../core/plan.js';
import type { Plan } from '../core/plan-types.js';
import { upsertStickyComment, type IssueComment, type StickyCommentResult, type StickyMode } from '../github/comments.js';
import { tokenLogin } from '../github/identity.js';
import { setLabelFamily, type LabelSpec } from '../github/labels.js';
import { repoName } from '../github/repo.js';
import { planMarkdown } from '../render/plan-markdown.js';
import { failure, githubClient, isForbidden, pullRequestTarget, type GitHubRun } from './github-context.js';
import { markerFor } from './github-names.js';

/** GitHub refuses comment bodies longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export const PLAN_LABELS = {
  'no-changes': { name: 'keyplan:no-changes', color: '0e8a16', description: 'keyplan: the key service matches the configuration' },
  changes: { name: 'keyplan:changes', color: 'fbca04', description: 'keyplan: applying this pull request changes API keys' },
  revokes: { name: 'keyplan:revokes', color: 'd93f0b', description: 'keyplan: applying this pull request revokes API keys' },
  error: { name: 'keyplan:error', color: 'b60205', description: 'keyplan: the plan failed; see the keyplan comment' },
} as const satisfies Record<string, LabelSpec>;

const LABELS_LINE = /^<!-- keyplan:labels ([^>]*) -->$/m;

export interface PlanCommentRequest extends GitHubRun {
  plan: Plan;
  /** The configuration's name on GitHub (see configName). */
  config: string;
  ownership: string | undefined;
  mode: StickyMode;
  labels: boolean;
  pr?: number;
  repo?: string;
}

export interface PlanCommentOutcome {
  /** The comment, when one was written or already up to date. */
  url?: string;
  action?: StickyCommentResult['action'];
  /** Why no comment (or no label) was written, when GitHub refused the token; the plan itself stands. */
  warning?: string;
}

/** The labels one configuration's plan asks for. */
export function planLabels(plan: Plan): LabelSpec[] {
  if (plan.providers.some((p) => p.problems.length > 0)) return [PLAN_LABELS.error];
  if (!hasChanges(plan)) return [PLAN_LABELS['no-changes']];
  const revokes = plan.providers.some((p) => p.actions.some((a) => a.kind === 'revoke'));
  return revokes ? [PLAN_LABELS.changes, PLAN_LABELS.revokes] : [PLAN_LABELS.changes];
}

/** The plan as the pull request's one comment for this configuration, and the PR's keyplan:* labels. */
export async function commentPlanOnPullRequest(request: PlanCommentRequest): Promise<PlanCommentOutcome> {
  const target = await pullRequestTarget(request, request);
  const client = githubClient(request, 'comment on pull requests');
  const marker = markerFor('plan', request.config, request.ownership);
  const labels = planLabels(request.plan);
  const head = `${marker}\n<!-- keyplan:labels ${labels.map((l) => l.name).join(',')} -->\n`;
  const fullPlanAt = target.context.runUrl ? `[the step summary of this run](${target.context.runUrl})` : undefined;
  const body = head + planMarkdown(request.plan, { config: request.config, limit: GITHUB_COMMENT_LIMIT - head.length - 64, fullPlanAt }).text;
  const where = `pull request #${target.number}`;

  let result: StickyCommentResult;
  let author = '';
  try {
    author = await tokenLogin(client);
    result = await upsertStickyComment(client, { repo: target.repo, issueNumber: target.number, marker, body, author, mode: request.mode });
  } catch (error) {
    if (isForbidden(error)) return { warning: forkWarning(where, repoName(target.repo), client.tokenVariable, target.context.fromFork) };
    throw failure(error, client, target.repo, `comment on ${where}`, 'pull-requests: write', `${where} of ${repoName(target.repo)} not found`);
  }
  const outcome: PlanCommentOutcome = { url: result.url, action: result.action };
  if (!request.labels) return outcome;
  try {
    await setLabelFamily(client, target.repo, target.number, 'keyplan:', unionOfLabels(labels, result.others.filter((c) => c.author === author)));
  } catch (error) {
    if (isForbidden(error)) return { ...outcome, warning: `the token in ${client.tokenVariable} may not label ${where} (needs issues: write or pull-requests: write); the comment was written. Pass --no-labels to skip labels.` };
    throw failure(error, client, target.repo, `label ${where}`, 'pull-requests: write');
  }
  return outcome;
}

/** This configuration's labels together with those other configurations' keyplan comments on the same PR ask for. */
function unionOfLabels(own: readonly LabelSpec[], others: readonly IssueComment[]): LabelSpec[] {
  const byName = new Map<string, LabelSpec>(Object.values(PLAN_LABELS).map((l) => [l.name, l]));
  const names = new Set(own.map((l) => l.name));
  for (const comment of others) {
    if (!comment.body.startsWith('<!-- keyplan:plan ')) continue;
    for (const name of LABELS_LINE.exec(comment.body)?.[1]?.split(',') ?? []) if (byName.has(name)) names.add(name);
  }
  if (names.size > 1) names.delete(PLAN_LABELS['no-changes'].name);
  return [...names].sort().map((name) => byName.get(name) as LabelSpec);
}

function forkWarning(where: string, repo: string, variable: string, fromFork: boolean | undefined): string {
  const why = fromFork ? 'pull requests from forks get a read-only token' : 'the token may only read';
  return (
    `no comment was posted on ${where}: GitHub refused the token in ${variable} write access to ${repo} (${why}). ` +
    'The plan above and in the step summary is complete. To comment on pull requests from forks, run the plan on `pull_request`, ' +
    'upload it as an artifact, and post it from a `workflow_run` workflow (see examples/github/).'
  );
}
