/**
 * The `uses:` actions of the example workflows, simulated over real files: checkout fetches the ref from the
 * repository like actions/checkout (one commit, an `origin` remote), artifacts and caches are directories,
 * create-pull-request commits, pushes and opens the pull request on the GitHub stand-in with the token it is given.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { GitHubWorld, JobRun } from './workflow-runner.js';

export interface ActionResult {
  outcome: 'success' | 'failure';
  outputs: Record<string, string>;
  log: string;
}

export type SimulatedAction = (world: GitHubWorld, job: JobRun, inputs: Record<string, string>) => Promise<ActionResult>;

const ok = (outputs: Record<string, string> = {}, log = ''): ActionResult => ({ outcome: 'success', outputs, log });
const fail = (log: string): ActionResult => ({ outcome: 'failure', outputs: {}, log });

export function gitIn(dir: string, args: string[], home: string): Promise<string> {
  const env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'runner', GIT_AUTHOR_EMAIL: 'runner@example.com', GIT_COMMITTER_NAME: 'runner', GIT_COMMITTER_EMAIL: 'runner@example.com' };
  return new Promise((done, reject) => {
    execFile('git', args, { cwd: dir, env }, (error, stdout, stderr) => (error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : done(stdout.trim())));
  });
}

async function hasFiles(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isFile() || (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

const checkout: SimulatedAction = async (world, job, inputs) => {
  const ref = inputs.ref || job.sha;
  await gitIn(job.workspace, ['init', '-q'], job.home);
  await gitIn(job.workspace, ['remote', 'add', 'origin', `file://${world.repoDir}`], job.home);
  await gitIn(job.workspace, ['fetch', '-q', '--no-tags', '--depth=1', 'origin', ref], job.home);
  await gitIn(job.workspace, ['checkout', '-q', '--detach', 'FETCH_HEAD'], job.home);
  return ok({}, `checked out ${ref}`);
};

const uploadArtifact: SimulatedAction = async (world, job, inputs) => {
  const source = resolve(job.workspace, inputs.path ?? '');
  if (!(await hasFiles(source))) return (inputs['if-no-files-found'] ?? 'warn') === 'error' ? fail(`no files at ${inputs.path}`) : ok({}, `warning: no files at ${inputs.path}`);
  const target = join(world.scratch, 'artifacts', String(job.runId), inputs.name ?? 'artifact');
  await cp(source, target, { recursive: true });
  world.artifacts.set(`${job.runId}/${inputs.name ?? 'artifact'}`, target);
  return ok();
};

const downloadArtifact: SimulatedAction = async (world, job, inputs) => {
  const runId = inputs['run-id'] || String(job.runId);
  if (inputs['run-id'] && (inputs['github-token'] !== job.token || !['read', 'write'].includes(job.permissions.actions ?? ''))) {
    return fail('downloading another run\'s artifact needs the job token with actions: read');
  }
  const stored = world.artifacts.get(`${runId}/${inputs.name}`);
  if (!stored) return fail(`Unable to download artifact(s): Artifact not found for name: ${inputs.name}`);
  await cp(stored, resolve(job.workspace, inputs.path ?? '.'), { recursive: true });
  return ok();
};

const cacheRestore: SimulatedAction = async (world, job, inputs) => {
  const prefixes = (inputs['restore-keys'] ?? '').split('\n').map((k) => k.trim()).filter(Boolean);
  const newest = [...world.caches].reverse();
  const hit = newest.find((c) => c.key === inputs.key) ?? prefixes.map((p) => newest.find((c) => c.key.startsWith(p))).find(Boolean);
  if (!hit) return ok({ 'cache-hit': 'false' }, 'Cache not found');
  await cp(hit.dir, resolve(job.workspace, inputs.path ?? ''), { recursive: true });
  return ok({ 'cache-hit': String(hit.key === inputs.key), 'cache-matched-key': hit.key }, `Cache restored from key: ${hit.key}`);
};

const cacheSave: SimulatedAction = async (world, job, inputs) => {
  const key = inputs.key ?? '';
  if (world.caches.some((c) => c.key === key)) return ok({}, `Cache already exists for key ${key}`);
  const source = resolve(job.workspace, inputs.path ?? '');
  if (!(await hasFiles(source))) return ok({}, 'warning: Path Validation Error: Path(s) specified in the action for caching do(es) not exist');
  const dir = join(world.scratch, 'caches', String(world.caches.length + 1));
  await cp(source, dir, { recursive: true });
  world.caches.push({ key, dir });
  return ok({}, `Cache saved with key: ${key}`);
};

const createPullRequest: SimulatedAction = async (world, job, inputs) => {
  const identity = world.github.tokens.get(inputs.token ?? '');
  if (!identity?.canWrite) return fail('create-pull-request: the token may not push or open pull requests');
  if ((await gitIn(job.workspace, ['status', '--porcelain'], job.home)) === '') return ok({}, 'no changes');
  const branch = inputs.branch ?? 'create-pull-request/patch';
  await gitIn(job.workspace, ['checkout', '-q', '-B', branch], job.home);
  await gitIn(job.workspace, ['add', '-A'], job.home);
  await gitIn(job.workspace, ['commit', '-q', '-m', inputs['commit-message'] ?? 'changes'], job.home);
  const sha = await gitIn(job.workspace, ['rev-parse', 'HEAD'], job.home);
  await gitIn(job.workspace, ['push', '-q', '-f', 'origin', `HEAD:refs/heads/${branch}`], job.home);
  const pull = world.github.repo(world.repository).addPullRequest({ title: inputs.title ?? branch, body: inputs.body ?? '', author: identity.login, head: { repo: world.repository, ref: branch, sha } });
  // GitHub starts no workflow for what GITHUB_TOKEN does (workflow_dispatch aside).
  world.opened.push({ number: pull.number, sha, branch, startsWorkflows: inputs.token !== job.token });
  return ok({ 'pull-request-number': String(pull.number), 'pull-request-operation': 'created' });
};

const uploadSarif: SimulatedAction = async (_world, job, inputs) =>
  (await hasFiles(resolve(job.workspace, inputs.sarif_file ?? ''))) ? ok() : fail(`Path does not exist: ${inputs.sarif_file}`);

const appToken: SimulatedAction = async (world, _job, inputs) =>
  world.appToken && inputs['app-id'] && inputs['private-key'] ? ok({ token: world.appToken }) : fail('create-github-app-token: no app id or private key');

const setupNode: SimulatedAction = async () => ok({}, `node ${process.version}`);

export const SIMULATED: Record<string, SimulatedAction> = {
  'actions/checkout@v4': checkout,
  'actions/upload-artifact@v4': uploadArtifact,
  'actions/download-artifact@v4': downloadArtifact,
  'actions/cache/restore@v4': cacheRestore,
  'actions/cache/save@v4': cacheSave,
  'actions/setup-node@v4': setupNode,
  'actions/create-github-app-token@v1': appToken,
  'peter-evans/create-pull-request@v7': createPullRequest,
  'github/codeql-action/upload-sarif@v3': uploadSarif,
};

export async function ensureDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}
