import { describeExpiry } from '../core/expiry.js';
import { plural } from '../core/humanize.js';
import { describeRoleChange } from '../core/key-changes.js';
import { hasChanges, summarize } from '../core/plan.js';
import type { Plan, PlannedAction } from '../core/plan-types.js';
import { formatValue } from './plan-text.js';

const EMOJI: Record<PlannedAction['kind'], string> = { create: '🟢', update: '🟡', rotate: '🔄', revoke: '🔴' };

/** Markdown for a pull-request comment: warnings first, then one collapsible section per key. */
export function renderPlanMarkdown(plan: Plan): string {
  const s = summarize(plan);
  const out: string[] = ['## keyplan plan', ''];
  const problems = plan.providers.flatMap((p) => p.problems.map((problem) => ({ provider: p.provider, problem })));
  if (problems.length > 0) {
    out.push(`### ❌ ${plural(problems.length, 'problem')}`, '');
    for (const { provider, problem } of problems) out.push(`- **${escape(provider)}/${escape(problem.name)}**: ${escape(problem.message)}${where(problem.desired?.source)}`);
    out.push('');
  }
  const warned = plan.providers.flatMap((p) => p.actions.filter((a) => a.warnings.length > 0));
  if (warned.length > 0) {
    out.push(`### ⚠️ Warnings`, '');
    for (const action of warned) for (const w of action.warnings) out.push(`- ${gateBadge(w.gate)}**${escape(action.name)}** (${action.kind}): ${escape(w.message)}`);
    out.push('');
  }
  out.push(
    hasChanges(plan) ? `**Plan:** ${s.create} to create, ${s.update} to update, ${s.rotate} to rotate, ${s.revoke} to revoke.` : '**No changes.** The key service matches keys.yaml.',
    '',
  );
  for (const providerPlan of plan.providers) {
    if (providerPlan.actions.length === 0) continue;
    if (plan.providers.length > 1) out.push(`### Provider \`${providerPlan.provider}\``, '');
    for (const action of providerPlan.actions) out.push(...actionSection(action), '');
  }
  const findings = plan.providers.flatMap((p) => p.findings);
  if (findings.length > 0) {
    out.push(`<details><summary>${plural(findings.length, 'audit finding')}</summary>`, '', '| severity | finding | key | detail |', '| --- | --- | --- | --- |');
    for (const f of findings) out.push(`| ${f.severity} | ${f.kind} | ${escape(f.name)} | ${escape(f.message)} |`);
    out.push('', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function actionSection(action: PlannedAction): string[] {
  const id = action.kind === 'create' ? '' : ` <code>${escape(action.remote.id)}</code>`;
  const out = [`<details><summary>${EMOJI[action.kind]} <b>${action.kind}</b> <code>${escape(action.name)}</code>${id}</summary>`, ''];
  for (const reason of action.reasons) out.push(`- ${escape(reason)}`);
  if (action.kind === 'create') {
    out.push(`- roles: ${action.spec.roles.join(', ')}; expires: ${describeExpiry(action.spec.expires)}${action.desired?.owner ? `; owner: ${escape(action.desired.owner)}` : ''}`);
  }
  if (action.kind === 'update' || action.kind === 'rotate') {
    if (action.changes.length > 0) {
      out.push('', '| field | before | after |', '| --- | --- | --- |');
      for (const c of action.changes) out.push(`| ${c.field} | ${escape(formatValue(c.before))} | ${escape(formatValue(c.after))} |`);
    }
    if (action.roleChange) out.push('', escape(describeRoleChange(action.roleChange)));
  }
  out.push('', '</details>');
  return out;
}

function gateBadge(gate: string | null): string {
  if (gate === 'prevent-revoke') return '⛔ ';
  if (gate === 'allow-in-use') return '🔒 ';
  return '';
}

function where(source: { file: string; line: number } | undefined): string {
  return source ? ` (${escape(source.file)}:${source.line})` : '';
}

/** Keeps user text from breaking tables or injecting markup into the comment. */
export function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
