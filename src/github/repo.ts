import { readFile } from 'node:fs/promises';
import { KeyplanError } from '../core/errors.js';
import type { Env } from './token.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

export function parseRepo(text: string, from: string): RepoRef {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new KeyplanError(`${from} must name a repository as owner/name, not "${text}"`);
  return { owner: match[1], repo: match[2] };
}

export function repoName(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`;
}

/** What a GitHub Actions run says about where it runs: the repository, and the pull request and commit of its event. */
export interface ActionsContext {
  repo?: RepoRef;
  pullRequest?: number;
  sha?: string;
  /** The pull request's head is in another repository. */
  fromFork?: boolean;
  /** The run's page, where its step summary is: `https://github.com/acme/keys/actions/runs/42`. */
  runUrl?: string;
  /** A `workflow_run` event: the run that triggered this one, as GitHub describes it (never as its artifacts do). */
  workflowRun?: TriggeringRun;
}

export interface TriggeringRun {
  /** The triggering run's own event, e.g. `pull_request`. */
  event: string;
  headSha: string;
  /** owner/name of the repository the run's head commit came from (a fork's, for a pull request from a fork). */
  headRepository: string;
  headBranch: string;
}

interface EventPayload {
  pull_request?: { number?: unknown; head?: { repo?: { full_name?: unknown } | null }; base?: { repo?: { full_name?: unknown } } };
  number?: unknown;
  workflow_run?: { event?: unknown; head_sha?: unknown; head_branch?: unknown; head_repository?: { full_name?: unknown } | null };
}

/** Reads GITHUB_REPOSITORY, GITHUB_SHA, the run's URL and the event payload at GITHUB_EVENT_PATH; anything missing is left out. */
export async function actionsContext(env: Env): Promise<ActionsContext> {
  const context: ActionsContext = {};
  if (env.GITHUB_REPOSITORY) context.repo = parseRepo(env.GITHUB_REPOSITORY, 'GITHUB_REPOSITORY');
  if (env.GITHUB_SHA) context.sha = env.GITHUB_SHA;
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    context.runUrl = `${env.GITHUB_SERVER_URL.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  const payload = await readEvent(env.GITHUB_EVENT_PATH);
  const number = payload?.pull_request?.number;
  if (typeof number === 'number') context.pullRequest = number;
  const head = payload?.pull_request?.head?.repo?.full_name;
  const base = payload?.pull_request?.base?.repo?.full_name;
  if (typeof head === 'string' && typeof base === 'string') context.fromFork = head !== base;
  const run = payload?.workflow_run;
  const [event, headSha, headBranch, headRepository] = [run?.event, run?.head_sha, run?.head_branch, run?.head_repository?.full_name];
  if (typeof event === 'string' && typeof headSha === 'string' && typeof headBranch === 'string' && typeof headRepository === 'string') {
    context.workflowRun = { event, headSha, headBranch, headRepository };
  }
  return context;
}

async function readEvent(path: string | undefined): Promise<EventPayload | undefined> {
  if (!path) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EventPayload;
  } catch (error) {
    throw new KeyplanError(`could not read the GitHub event payload at GITHUB_EVENT_PATH (${path}): ${(error as Error).message}`);
  }
}
