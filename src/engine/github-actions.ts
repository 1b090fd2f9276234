import type { ConfigIssue } from '../core/errors.js';
import type { Plan, PlanWarning } from '../core/plan-types.js';
import { annotationLine, appendStepSummary, capToBytes, setStepOutputs, stepSummaryRoom, type Annotation } from '../github/actions-output.js';
import type { Env } from '../github/token.js';
import { renderPlanMarkdown, type PlanMarkdownOptions } from '../render/plan-markdown.js';

export { setStepOutputs };

/** Inside GitHub Actions (GITHUB_ACTIONS=true): annotations are worth printing. */
export function inGitHubActions(env: Env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** The plan's markdown appended to the step summary when GITHUB_STEP_SUMMARY is set, folded to fit what is left of it. */
export async function summarizePlan(env: Env, plan: Plan, options: PlanMarkdownOptions): Promise<void> {
  const room = await stepSummaryRoom(env);
  if (room === undefined) return;
  let markdown = renderPlanMarkdown(plan, options);
  // A UTF-16 unit is at most 3 bytes of UTF-8: folding to a third of the room always fits.
  if (Buffer.byteLength(markdown) > room) markdown = renderPlanMarkdown(plan, { ...options, limit: Math.floor(room / 3) });
  await appendStepSummary(env, markdown);
}

/** Markdown produced in chunks (an audit of many keys) appended to the step summary, cut with a note when it would not fit. */
export async function summarizeChunks(env: Env, chunks: Iterable<string>): Promise<void> {
  const room = await stepSummaryRoom(env);
  if (room === undefined) return;
  let text = '';
  for (const chunk of chunks) {
    text += chunk;
    if (Buffer.byteLength(text) > room) break;
  }
  await appendStepSummary(env, capToBytes(text, room));
}

export async function summarizeMarkdown(env: Env, markdown: string): Promise<void> {
  await appendStepSummary(env, markdown);
}

const GATE_RANK: Record<NonNullable<PlanWarning['gate']> | 'none', number> = { 'prevent-revoke': 0, 'allow-in-use': 1, none: 2 };

/** Problems first (errors), then warnings that block apply, then the rest: GitHub shows only the first 10 of each level per step. */
export function planAnnotations(plan: Plan, rootFile: string): Annotation[] {
  const errors: Annotation[] = plan.providers.flatMap((p) =>
    p.problems.map((problem) => ({ level: 'error' as const, title: `keyplan: ${problem.provider}/${problem.name}`, message: problem.message, at: problem.desired?.source ?? { file: rootFile, line: 1, column: 1 } })),
  );
  const warnings = plan.providers
    .flatMap((p) => p.actions.flatMap((action) => action.warnings.map((warning) => ({ action, warning }))))
    .sort((a, b) => GATE_RANK[a.warning.gate ?? 'none'] - GATE_RANK[b.warning.gate ?? 'none'])
    .map(({ action, warning }) => ({
      level: 'warning' as const,
      title: `keyplan: ${action.kind} ${action.name}${warning.gate ? ` (apply refuses: ${warning.gate})` : ''}`,
      message: warning.message,
      at: action.desired?.source ?? { file: rootFile, line: 1, column: 1 },
    }));
  return [...errors, ...warnings];
}

/** One ::error per configuration issue, in file order. */
export function configAnnotations(issues: readonly ConfigIssue[]): Annotation[] {
  return issues.map((issue: ConfigIssue) => ({ level: 'error' as const, title: 'keyplan: invalid configuration', message: issue.message, at: issue }));
}

export function annotationText(annotations: readonly Annotation[]): string {
  return annotations.map((a) => `${annotationLine(a)}\n`).join('');
}
