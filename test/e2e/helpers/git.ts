import { execFile } from 'node:child_process';
import type { E2eWorkspace } from './workspace.js';

/** Runs git in the workspace (a repository of its own, with a fixed author and no global config). */
export function git(ws: E2eWorkspace, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH, HOME: ws.dir, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com' };
    execFile('git', args, { cwd: ws.dir, env }, (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout.trim())));
  });
}

/** Makes the workspace a repository on branch main and commits everything in it; returns the commit. */
export async function initRepo(ws: E2eWorkspace): Promise<string> {
  await git(ws, ['init', '-q', '-b', 'main']);
  return commitAll(ws, 'base');
}

export async function commitAll(ws: E2eWorkspace, message: string): Promise<string> {
  await git(ws, ['add', '-A']);
  await git(ws, ['commit', '-q', '--allow-empty', '-m', message]);
  return git(ws, ['rev-parse', 'HEAD']);
}
