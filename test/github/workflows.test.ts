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

type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, { environment?: string; steps: { uses?: string; with?: Record<string, string> }[] }>;
};

describe("example workflows and action.yml, against GitHub's workflow and action schemas", () => {
  it('has the three documented workflows and the fork follow-up', () => {
    expect(workflowFiles.sort()).toEqual(['apply-on-merge.yml', 'comment-fork-plan.yml', 'plan-on-pull-request.yml', 'weekly-audit.yml']);
  });

  it.each(workflowFiles)('%s is a valid workflow', (file) => {
    expect(errorsOf(validateWorkflow(read(`${examples}${file}`)))).toEqual([]);
  });

  it('action.yml is a valid composite action with the documented inputs and outputs', () => {
    const text = read(`${root}action.yml`);
    expect(errorsOf(validateAction(text))).toEqual([]);
    const action = parse(text) as { inputs: Record<string, unknown>; outputs: Record<string, unknown>; runs: { using: string } };
    expect(action.runs.using).toBe('composite');
    for (const input of ['command', 'config', 'args']) expect(action.inputs).toHaveProperty(input);
    expect(Object.keys(action.outputs).sort()).toEqual(['comment-url', 'exit-code', 'has-changes']);
  });

  it('the validator rejects what GitHub would reject, so these checks can fail', () => {
    const broken = read(`${examples}plan-on-pull-request.yml`).replace('runs-on:', 'runs_on:');
    expect(errorsOf(validateWorkflow(broken)).length).toBeGreaterThan(0);
    const noShell = read(`${root}action.yml`).replace(/^\s+shell: bash\n/m, '');
    expect(errorsOf(validateAction(noShell)).length).toBeGreaterThan(0);
  });

  it('plans once per pull request (a new push cancels the old plan) and may comment', () => {
    const workflow = parse(read(`${examples}plan-on-pull-request.yml`)) as Workflow;
    expect(workflow.on).toHaveProperty('pull_request');
    expect(workflow.concurrency).toEqual({ group: 'keyplan-plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
    expect(workflow.permissions?.['pull-requests']).toBe('write');
    expect(workflow.jobs.plan?.steps.find((s) => s.uses?.includes('keyplan'))?.with?.args).toContain('--comment');
  });

  it('applies on merge one at a time per ownership, never cancelled, behind an environment', () => {
    const workflow = parse(read(`${examples}apply-on-merge.yml`)) as Workflow;
    expect(workflow.concurrency?.['cancel-in-progress']).toBe(false);
    expect(workflow.concurrency?.group).toMatch(/^keyplan-apply-/);
    expect(workflow.jobs.apply?.environment).toBeTruthy();
    expect(workflow.jobs.apply?.steps.find((s) => s.uses?.includes('keyplan'))?.with?.args).toBe('--auto-approve --comment');
  });

  it('audits weekly: SARIF upload, the living issue, and a --propose pull request', () => {
    const workflow = parse(read(`${examples}weekly-audit.yml`)) as Workflow;
    expect(workflow.on).toHaveProperty('schedule');
    const steps = workflow.jobs.audit?.steps ?? [];
    expect(steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))).toBe(true);
    const args = steps.map((s) => s.with?.args ?? '');
    expect(args).toContain('--format sarif');
    expect(args.some((a) => a.includes('--issue'))).toBe(true);
    expect(args).toContain('--propose');
    expect(workflow.permissions).toMatchObject({ issues: 'write', 'security-events': 'write' });
  });
});
