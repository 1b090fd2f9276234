import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateAction, validateWorkflow, type ValidationState } from '@action-validator/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examples = `${root}examples/github/`;
const read = (path: string) => readFileSync(path, 'utf8');
const workflowFiles = readdirSync(examples).filter((f) => f.endsWith('.yml'));

function errorsOf(state: ValidationState): string[] {
  return state.errors.map((e) => `${'path' in e ? e.path : ''} ${e.title}${e.detail ? `: ${e.detail}` : ''}`);
}

type Step = { name?: string; id?: string; if?: string; uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> };
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  jobs: Record<string, { if?: string; environment?: string; permissions?: Record<string, string>; env?: Record<string, string>; steps: Step[] }>;
};

const workflow = (file: string) => parse(read(`${examples}${file}`)) as Workflow;

describe("example workflows and action.yml, against GitHub's workflow and action schemas", () => {
  it('has the three documented workflows and the fork follow-up', () => {
    expect(workflowFiles.sort()).toEqual(['apply-on-merge.yml', 'comment-fork-diff.yml', 'plan-on-pull-request.yml', 'weekly-audit.yml']);
  });

  it.each(workflowFiles)('%s is a valid workflow', (file) => {
    expect(errorsOf(validateWorkflow(read(`${examples}${file}`)))).toEqual([]);
  });

  it('action.yml is a valid composite action with the documented inputs and outputs', () => {
    const text = read(`${root}action.yml`);
    expect(errorsOf(validateAction(text))).toEqual([]);
    const action = parse(text) as { inputs: Record<string, unknown>; outputs: Record<string, unknown>; runs: { using: string } };
    expect(action.runs.using).toBe('composite');
    for (const input of ['command', 'config', 'args', 'base']) expect(action.inputs).toHaveProperty(input);
    expect(Object.keys(action.outputs).sort()).toEqual(['comment-url', 'exit-code', 'has-changes']);
  });

  it('the validator rejects what GitHub would reject, so these checks can fail', () => {
    const broken = read(`${examples}plan-on-pull-request.yml`).replace('runs-on:', 'runs_on:');
    expect(errorsOf(validateWorkflow(broken)).length).toBeGreaterThan(0);
    const noShell = read(`${root}action.yml`).replace(/^\s+shell: bash\n/m, '');
    expect(errorsOf(validateAction(noShell)).length).toBeGreaterThan(0);
  });

  it('plans same-repository pull requests live and gives forks the offline diff, with no secret and no write', () => {
    const plan = workflow('plan-on-pull-request.yml');
    expect(Object.keys(plan.on).sort()).toEqual(['pull_request', 'workflow_dispatch']);
    expect(plan.concurrency).toEqual({ group: 'keyplan-plan-${{ github.event.pull_request.number || inputs.pr }}', 'cancel-in-progress': true });
    expect(plan.permissions).toEqual({ contents: 'read' });
    const { plan: live, diff } = plan.jobs;
    expect(live?.if).toBe("github.event_name == 'workflow_dispatch' || github.event.pull_request.head.repo.full_name == github.repository");
    expect(live?.permissions?.['pull-requests']).toBe('write');
    expect(live?.steps.find((s) => s.uses?.includes('keyplan'))?.with?.args).toContain('--comment');
    expect(diff?.if).toBe("github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != github.repository");
    expect(diff?.permissions).toEqual({ contents: 'read' });
    expect(JSON.stringify(diff)).not.toContain('secrets.');
    expect(diff?.steps.find((s) => s.uses?.includes('keyplan'))?.with).toMatchObject({ command: 'diff', base: '${{ github.event.pull_request.base.sha }}' });
    for (const step of diff?.steps.slice(2) ?? []) expect(step.if, step.name ?? step.uses).toBe('always()');
    expect(read(`${examples}plan-on-pull-request.yml`)).not.toContain('cp "$GITHUB_STEP_SUMMARY"');
  });

  it('posts a fork\'s diff only from a fork\'s finished run, to the pull request of the event, never --edit-last', () => {
    const comment = workflow('comment-fork-diff.yml');
    expect(comment.on).toEqual({ workflow_run: { workflows: ['keyplan plan'], types: ['completed'] } });
    expect(comment.permissions).toEqual({ actions: 'read', 'pull-requests': 'write' });
    const job = comment.jobs.comment;
    expect(job?.if).toContain("github.event.workflow_run.head_repository.full_name != github.repository");
    expect(job?.if).toContain("github.event.workflow_run.event == 'pull_request'");
    expect(job?.steps.some((s) => s.uses?.startsWith('actions/checkout'))).toBe(false);
    expect(job?.steps.find((s) => s.uses?.includes('keyplan'))?.with?.args).toBe('--from keyplan-diff/diff.json --comment');
    expect(read(`${examples}comment-fork-diff.yml`)).not.toContain('--edit-last');
  });

  it('applies on merge one at a time, never cancelled, behind an environment, keeping its state dir in the cache', () => {
    const apply = workflow('apply-on-merge.yml');
    expect(apply.concurrency).toEqual({ group: 'keyplan-apply', 'cancel-in-progress': false });
    const job = apply.jobs.apply;
    expect(job?.environment).toBeTruthy();
    expect(job?.env?.KEYPLAN_STATE_DIR).toBe('.keyplan-state');
    const steps = job?.steps ?? [];
    expect(steps.find((s) => s.uses?.includes('keyplan'))?.with?.args).toBe('--auto-approve --comment ${{ steps.allow.outputs.args }}');
    expect(steps.find((s) => s.uses === 'actions/cache/restore@v4')?.with?.path).toBe('.keyplan-state');
    expect(steps.find((s) => s.uses === 'actions/cache/save@v4')).toMatchObject({ if: 'always()', with: { path: '.keyplan-state' } });
  });

  it('audits weekly: SARIF upload, the living issue, and a --propose pull request that gets its review', () => {
    const audit = workflow('weekly-audit.yml');
    expect(audit.on).toHaveProperty('schedule');
    const steps = audit.jobs.audit?.steps ?? [];
    expect(steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))).toBe(true);
    const args = steps.map((s) => s.with?.args ?? '');
    expect(args).toContain('--format sarif');
    expect(args.some((a) => a.includes('--issue'))).toBe(true);
    expect(args).toContain('--propose');
    expect(audit.permissions).toMatchObject({ issues: 'write', 'security-events': 'write', actions: 'write' });
    expect(steps.find((s) => s.uses?.startsWith('peter-evans/create-pull-request'))?.with?.token).toBe('${{ steps.app.outputs.token || secrets.KEYPLAN_PROPOSE_TOKEN || github.token }}');
    expect(steps.some((s) => s.uses?.startsWith('actions/create-github-app-token'))).toBe(true);
    expect(steps.at(-1)?.run).toContain('/actions/workflows/plan-on-pull-request.yml/dispatches');
  });
});
