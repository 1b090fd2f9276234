/**
 * A repository on GitHub for the workflow runner: the workspace is the repository (main, plus each pull request's
 * head under refs/pull/N/head), its workflows are the examples, and events are shaped as GitHub sends them.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from './git.js';
import type { E2eWorkspace } from './workspace.js';
import { ACTION_DIR, type GitHubWorld, type TriggerEvent, type WorkflowRun } from './workflow-runner.js';
import { ensureDir } from './workflow-actions.js';
import type { FakeGitHubServer } from '../../github/fake-github.js';

export const WORKFLOWS = '.github/workflows';

/** Copies examples/github/*.yml into the workspace's .github/workflows/ (commit them with the rest). */
export async function addExampleWorkflows(ws: E2eWorkspace): Promise<void> {
  const dir = join(ACTION_DIR, 'examples/github');
  for (const file of await readdir(dir)) await ws.writeFile(`${WORKFLOWS}/${file}`, await readFile(join(dir, file), 'utf8'));
}

export async function githubWorld(ws: E2eWorkspace, github: FakeGitHubServer, repository: string, secrets: Record<string, string>): Promise<GitHubWorld> {
  return {
    repoDir: ws.dir, repository, github, secrets, vars: {}, scratch: await ensureDir(ws.path('.runner')), scanner: ws.secrets,
    artifacts: new Map(), caches: [], opened: [], nextRunId: 7001,
  };
}

export interface PullHead {
  number: number;
  repo: string;
  branch: string;
  sha: string;
  baseSha: string;
}

/** Publishes a pull request's head commit as GitHub does, under refs/pull/N/head of the base repository. */
export async function publishPullHead(ws: E2eWorkspace, number: number, sha: string): Promise<void> {
  await git(ws, ['update-ref', `refs/pull/${number}/head`, sha]);
}

export function pullRequestEvent(repository: string, pr: PullHead): TriggerEvent {
  const side = (repo: string, ref: string, sha: string) => ({ repo: { full_name: repo }, ref, sha, label: `${repo.split('/')[0]}:${ref}` });
  return {
    name: 'pull_request', sha: pr.sha, ref: `refs/pull/${pr.number}/merge`,
    payload: { action: 'synchronize', number: pr.number, repository: { full_name: repository }, pull_request: { number: pr.number, head: side(pr.repo, pr.branch, pr.sha), base: side(repository, 'main', pr.baseSha) } },
  };
}

/** The workflow_run event of a finished run, as GitHub describes it: for a fork, `pull_requests` is empty. */
export function workflowRunEvent(repository: string, run: WorkflowRun, pr: PullHead, mainSha: string): TriggerEvent {
  return {
    name: 'workflow_run', sha: mainSha, ref: 'refs/heads/main',
    payload: {
      action: 'completed', repository: { full_name: repository },
      workflow_run: {
        id: run.id, name: run.name, event: run.event.name, status: 'completed', conclusion: run.conclusion, head_sha: pr.sha, head_branch: pr.branch,
        head_repository: { full_name: pr.repo }, repository: { full_name: repository }, pull_requests: pr.repo === repository ? [{ number: pr.number }] : [],
      },
    },
  };
}

export function pushEvent(repository: string, sha: string): TriggerEvent {
  return { name: 'push', sha, ref: 'refs/heads/main', payload: { ref: 'refs/heads/main', after: sha, repository: { full_name: repository } } };
}
