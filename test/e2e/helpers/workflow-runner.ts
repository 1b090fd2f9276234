/**
 * Runs a workflow of the repository the way GitHub Actions would, step by step: the workflow file is read at the
 * event's commit (a pull request runs its own version), each job gets the token and secrets GitHub gives it (a fork's
 * pull_request run: no secrets and a read-only GITHUB_TOKEN), `run:` steps run for real in bash, keyplan's own
 * action (acme/keyplan@v1) runs the steps of action.yml, and other known actions are simulated (workflow-actions.ts).
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { cleanEnv } from './cli.js';
import type { SecretScanner } from './secrets.js';
import { ensureDir, gitIn, SIMULATED } from './workflow-actions.js';
import { condition, interpolate, type Contexts, type Status, type Value } from './workflow-expressions.js';
import { ACTIONS_BOT, type FakeGitHubServer } from '../../github/fake-github.js';

/** The checkout of keyplan itself: what `uses: acme/keyplan@v1` runs (action.yml, bin/keyplan.js, built). */
export const ACTION_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const KEYPLAN_ACTION = 'acme/keyplan@v1';

/** GitHub as the workflows see it: the repository, its secrets, the stand-in API, artifacts and caches. */
export interface GitHubWorld {
  /** The repository on GitHub: its branches, and each pull request's head (forks' too) under refs/pull/N/head. */
  repoDir: string;
  repository: string;
  github: FakeGitHubServer;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** Where runners keep workspaces, artifacts and caches. */
  scratch: string;
  scanner: SecretScanner;
  artifacts: Map<string, string>;
  caches: { key: string; dir: string }[];
  /** Pull requests the workflows opened, and whether GitHub starts workflows for them. */
  opened: { number: number; sha: string; branch: string; startsWorkflows: boolean }[];
  /** A token actions/create-github-app-token hands out, when the test set up an app. */
  appToken?: string;
  nextRunId: number;
}

export interface TriggerEvent {
  name: 'pull_request' | 'workflow_run' | 'push' | 'workflow_dispatch' | 'schedule';
  payload: { [key: string]: Value };
  /** GITHUB_SHA: the commit the workflow file and the default checkout come from. */
  sha: string;
  ref: string;
  inputs?: Record<string, string>;
}

export interface StepRun {
  name: string;
  outcome: 'success' | 'failure' | 'skipped';
  log: string;
}

export interface JobRun {
  name: string;
  runId: number;
  sha: string;
  workspace: string;
  home: string;
  token: string;
  canWrite: boolean;
  permissions: Record<string, string>;
  status: 'success' | 'failure' | 'skipped';
  steps: StepRun[];
  /** What the job's steps wrote to their step summaries, in order. */
  summary: string;
}

export interface WorkflowRun {
  id: number;
  name: string;
  event: TriggerEvent;
  conclusion: 'success' | 'failure' | 'skipped';
  jobs: Record<string, JobRun>;
}

interface StepDef {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'continue-on-error'?: boolean;
  'working-directory'?: string;
}

interface WorkflowDef {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  jobs: Record<string, { if?: string; permissions?: Record<string, string>; env?: Record<string, unknown>; steps: StepDef[] }>;
}

interface ActionDef {
  inputs?: Record<string, { default?: string }>;
  outputs?: Record<string, { value: string }>;
  runs: { steps: StepDef[] };
}

/** Runs `file` (a path in the repository, read at the event's commit) for `event`; jobs in order. */
export async function runWorkflow(world: GitHubWorld, file: string, event: TriggerEvent): Promise<WorkflowRun> {
  const text = await gitIn(world.repoDir, ['show', `${event.sha}:${file}`], world.scratch);
  const workflow = parse(text) as WorkflowDef;
  const run: WorkflowRun = { id: world.nextRunId++, name: workflow.name, event, conclusion: 'skipped', jobs: {} };
  if (!(event.name in workflow.on)) return run;
  for (const [name, job] of Object.entries(workflow.jobs)) {
    run.jobs[name] = await runJob(world, workflow, name, job, event, run.id);
  }
  const statuses = Object.values(run.jobs).map((j) => j.status);
  run.conclusion = statuses.includes('failure') ? 'failure' : 'success';
  return run;
}

function isFork(world: GitHubWorld, event: TriggerEvent): boolean {
  const head = (event.payload.pull_request as { head?: { repo?: { full_name?: string } } } | undefined)?.head?.repo?.full_name;
  return event.name === 'pull_request' && head !== world.repository;
}

async function runJob(world: GitHubWorld, workflow: WorkflowDef, name: string, def: WorkflowDef['jobs'][string], event: TriggerEvent, runId: number): Promise<JobRun> {
  const permissions = def.permissions ?? workflow.permissions ?? {};
  const fork = isFork(world, event);
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  const canWrite = !fork && Object.values(permissions).includes('write');
  world.github.tokens.set(token, { login: ACTIONS_BOT, type: 'Bot', canWrite });
  world.scanner.addSecret(token);
  const root = await mkdtemp(join(world.scratch, `job-${name}-`));
  const job: JobRun = {
    name, runId, sha: event.sha, token, canWrite, permissions, status: 'success', steps: [], summary: '',
    workspace: await ensureDir(join(root, 'workspace')), home: await ensureDir(join(root, 'home')),
  };
  const temp = await ensureDir(join(root, 'temp'));
  const github: { [key: string]: Value } = {
    event: event.payload, event_name: event.name, repository: world.repository, repository_owner: world.repository.split('/')[0] ?? '',
    sha: event.sha, ref: event.ref, token, run_id: String(runId), workspace: job.workspace, server_url: 'https://github.com', api_url: world.github.url,
  };
  // A fork's pull_request run gets no secret but GITHUB_TOKEN.
  const secrets: Record<string, string> = fork ? { GITHUB_TOKEN: token } : { ...world.secrets, GITHUB_TOKEN: token };
  const base: Contexts = { github, secrets, vars: world.vars, inputs: event.inputs ?? {}, runner: { temp, os: 'Linux' }, needs: {}, matrix: {}, job: {} };
  if (!condition(def.if, base, { failed: false })) return { ...job, status: 'skipped' };

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...workflow.env, ...def.env })) env[k] = interpolate(String(v), { ...base, env });
  const processEnv = await runnerEnv(world, job, event, temp, runId);
  const steps: { [id: string]: Value } = {};
  const status: Status = { failed: false };
  for (const [index, step] of def.steps.entries()) {
    const contexts: Contexts = { ...base, env, steps };
    const label = step.name ?? step.uses ?? `step ${index + 1}`;
    if (!condition(step.if, contexts, status)) {
      job.steps.push({ name: label, outcome: 'skipped', log: '' });
      if (step.id) steps[step.id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
      continue;
    }
    const result = await runStep(world, job, step, contexts, status, { ...processEnv, ...env }, temp);
    job.steps.push({ name: label, outcome: result.outcome, log: result.log });
    world.scanner.record(`log of ${workflow.name} / ${name} / ${label}`, result.log);
    const conclusion = result.outcome === 'failure' && step['continue-on-error'] ? 'success' : result.outcome;
    if (step.id) steps[step.id] = { outcome: result.outcome, conclusion, outputs: result.outputs };
    if (conclusion === 'failure') status.failed = true;
  }
  world.scanner.record(`step summary of ${workflow.name} / ${name}`, job.summary);
  return { ...job, status: status.failed ? 'failure' : 'success' };
}

/** The environment GitHub's runner gives every process of a job; a stand-in `npm` (keyplan is installed already). */
async function runnerEnv(world: GitHubWorld, job: JobRun, event: TriggerEvent, temp: string, runId: number): Promise<Record<string, string>> {
  const bin = await ensureDir(join(temp, '..', 'bin'));
  await writeFile(join(bin, 'npm'), '#!/bin/sh\necho "npm $*: keyplan is installed in the action directory already"\n');
  await chmod(join(bin, 'npm'), 0o755);
  const eventPath = join(temp, '..', 'event.json');
  await writeFile(eventPath, JSON.stringify(event.payload));
  const env = cleanEnv({ GH_TOKEN: undefined, GITHUB_TOKEN: undefined }) as Record<string, string>;
  return {
    ...env, PATH: `${bin}:${env.PATH ?? ''}`, HOME: job.home, CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: job.workspace, RUNNER_TEMP: temp,
    GITHUB_REPOSITORY: world.repository, GITHUB_EVENT_NAME: event.name, GITHUB_EVENT_PATH: eventPath, GITHUB_SHA: event.sha, GITHUB_REF: event.ref,
    GITHUB_RUN_ID: String(runId), GITHUB_API_URL: world.github.url, GITHUB_SERVER_URL: 'https://github.com', GIT_CONFIG_NOSYSTEM: '1',
  };
}

interface StepResult {
  outcome: 'success' | 'failure';
  outputs: Record<string, string>;
  log: string;
}

function withInputs(step: StepDef, contexts: Contexts, status: Status): Record<string, string> {
  return Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts, status)]));
}

async function runStep(world: GitHubWorld, job: JobRun, step: StepDef, contexts: Contexts, status: Status, env: Record<string, string>, temp: string): Promise<StepResult> {
  const stepEnv = { ...env };
  for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), contexts, status);
  if (step.run !== undefined) {
    const directory = step['working-directory'] === undefined ? undefined : interpolate(step['working-directory'], contexts, status);
    return runShell(job, interpolate(step.run, contexts, status), stepEnv, directory, temp);
  }
  const uses = step.uses ?? '';
  const inputs = withInputs(step, contexts, status);
  if (uses === KEYPLAN_ACTION) return runKeyplanAction(world, job, inputs, contexts, stepEnv, temp);
  const simulated = SIMULATED[uses];
  if (!simulated) throw new Error(`the workflow runner does not know the action ${uses}`);
  try {
    return await simulated(world, job, inputs);
  } catch (error) {
    return { outcome: 'failure', outputs: {}, log: String(error) };
  }
}

/** keyplan's composite action.yml, step by step, with the inputs of the calling step. */
async function runKeyplanAction(world: GitHubWorld, job: JobRun, given: Record<string, string>, caller: Contexts, env: Record<string, string>, temp: string): Promise<StepResult> {
  const action = parse(await readFile(join(ACTION_DIR, 'action.yml'), 'utf8')) as ActionDef;
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs ?? {})) inputs[name] = given[name] ?? interpolate(input.default ?? '', caller);
  const unknown = Object.keys(given).filter((name) => !(name in inputs));
  if (unknown.length > 0) return { outcome: 'failure', outputs: {}, log: `Unexpected input(s) '${unknown.join("', '")}'` };
  const steps: { [id: string]: Value } = {};
  const github = { ...(caller.github as { [key: string]: Value }), action_path: ACTION_DIR };
  const status: Status = { failed: false };
  const log: string[] = [];
  for (const step of action.runs.steps) {
    const contexts: Contexts = { ...caller, github, inputs, steps };
    if (!condition(step.if, contexts, status)) continue;
    const result = await runStep(world, job, step, contexts, status, { ...env, GITHUB_ACTION_PATH: ACTION_DIR }, temp);
    log.push(result.log);
    if (step.id) steps[step.id] = { outcome: result.outcome, conclusion: result.outcome, outputs: result.outputs };
    if (result.outcome === 'failure') status.failed = true;
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs ?? {}).map(([k, o]) => [k, interpolate(o.value, { ...caller, github, inputs, steps })]));
  return { outcome: status.failed ? 'failure' : 'success', outputs, log: log.join('\n') };
}

let nextStep = 0;

async function runShell(job: JobRun, script: string, env: Record<string, string>, workingDirectory: string | undefined, temp: string): Promise<StepResult> {
  const n = ++nextStep;
  const [scriptPath, outputPath, summaryPath, envPath] = ['sh', 'output', 'summary', 'env'].map((what) => join(temp, `step-${n}.${what}`)) as [string, string, string, string];
  await writeFile(scriptPath, script);
  for (const path of [outputPath, summaryPath, envPath]) await writeFile(path, '');
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptPath], {
    cwd: resolve(job.workspace, workingDirectory ?? '.'),
    env: { ...env, GITHUB_OUTPUT: outputPath, GITHUB_STEP_SUMMARY: summaryPath, GITHUB_ENV: envPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const code = await new Promise<number | null>((done) => {
    child.on('error', (error) => {
      log += String(error);
      done(-1);
    });
    child.on('close', done);
  });
  job.summary += await readFile(summaryPath, 'utf8');
  return { outcome: code === 0 ? 'success' : 'failure', outputs: parseOutputs(await readFile(outputPath, 'utf8')), log };
}

/** GITHUB_OUTPUT: `name=value` lines and `name<<DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const end = lines.indexOf(block[2] ?? '', i + 1);
      outputs[block[1] ?? ''] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return outputs;
}
