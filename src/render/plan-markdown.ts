import { describeExpiry, describeRemoteExpiry } from '../core/expiry.js';
import { humanDuration, isoTime, plural } from '../core/humanize.js';
import { describeRoleChange } from '../core/key-changes.js';
import { actionKeyId, hasChanges, summarize } from '../core/plan.js';
import type { Finding, PendingRetirement, Plan, PlannedAction, PlanWarning, RotateAction } from '../core/plan-types.js';
import type { RemoteKey } from '../core/model.js';
import { codeSpan, htmlText, mdText } from './markdown-escape.js';
import { fitBlocks, type Fitted } from './markdown-fit.js';
import { formatValue } from './plan-text.js';

const EMOJI: Record<PlannedAction['kind'], string> = { create: '🟢', update: '🟡', rotate: '🔄', revoke: '🔴', finish: '🔵' };
const GATE_BADGE: Record<NonNullable<PlanWarning['gate']>, string> = { 'allow-in-use': '🔒', 'prevent-revoke': '⛔' };
const GATE_LEGEND: Record<NonNullable<PlanWarning['gate']>, string> = {
  'allow-in-use': '🔒 apply refuses this unless run with `--allow-in-use` or confirmed at a terminal',
  'prevent-revoke': '⛔ apply refuses this outright: the key has `prevent_revoke`',
};

export interface PlanMarkdownOptions {
  /** The configuration the plan is for, named in the heading (`keys.yaml`). */
  config?: string;
  /** The body stays within this many characters (UTF-16 units, never fewer than GitHub counts); detail is folded first. */
  limit?: number;
  /** Where the whole plan can be read when detail had to be folded: a URL or a phrase. */
  fullPlanAt?: string;
}

/**
 * Markdown for a pull-request comment or step summary: the outcome, problems and warnings first, then one
 * collapsible section per key. Over `limit`, per-key detail is folded to one line per key, then cut, with a
 * note saying what was left out; problems and warnings are the last thing shortened.
 */
export function renderPlanMarkdown(plan: Plan, options: PlanMarkdownOptions = {}): string {
  return planMarkdown(plan, options).text;
}

export function planMarkdown(plan: Plan, options: PlanMarkdownOptions = {}): Fitted {
  const heading = [`## keyplan plan${options.config ? ` for ${codeSpan(options.config)}` : ''}`, '', outcomeLine(plan)];
  const actions = plan.providers.flatMap((p) => p.actions);
  const multi = plan.providers.length > 1;
  return fitBlocks({
    limit: options.limit,
    fullPlanAt: options.fullPlanAt,
    heading: heading.join('\n'),
    lists: [
      { title: (n) => `### ❌ ${plural(n, 'problem')}`, items: problemItems(plan), noun: 'problem' },
      { title: () => '### ⚠️ Warnings', items: warningItems(plan), noun: 'warning', footer: legend(actions) },
    ],
    detail: [
      ...plan.providers.flatMap((p) => (p.actions.length === 0 ? [] : [...(multi ? [`### Provider ${codeSpan(p.provider)}`] : []), ...p.actions.map(actionSection)])),
      ...pendingSection(plan.providers.flatMap((p) => p.pending)),
      ...findingsSection(plan.providers.flatMap((p) => p.findings)),
    ],
    folded: actions.map(compactLine),
    foldedNoun: 'change',
  });
}

function outcomeLine(plan: Plan): string {
  const problems = plan.providers.reduce((n, p) => n + p.problems.length, 0);
  if (problems > 0) return `**Plan failed:** ${plural(problems, 'problem')} must be fixed first; nothing can be applied.`;
  const pending = plan.providers.reduce((n, p) => n + p.pending.length, 0);
  const waiting = pending > 0 ? ` ${plural(pending, 'old key')} from earlier rotations ${pending === 1 ? 'waits' : 'wait'} to be revoked.` : '';
  if (!hasChanges(plan)) return `**No changes.** The key service matches the configuration.${waiting}`;
  const s = summarize(plan);
  const finish = s.finish > 0 ? `, ${s.finish} to finish` : '';
  return `**Plan:** ${s.create} to create, ${s.update} to update, ${s.rotate} to rotate, ${s.revoke} to revoke${finish}.${waiting}`;
}

function problemItems(plan: Plan): string[] {
  return plan.providers.flatMap((p) =>
    p.problems.map((problem) => {
      const source = problem.source ?? problem.desired?.source;
      const at = source ? ` (${codeSpan(`${source.file}:${source.line}:${source.column}`)})` : '';
      return `- **${mdText(`${problem.provider}/${problem.name}`)}**${at}: ${mdText(problem.message)}`;
    }),
  );
}

function warningItems(plan: Plan): string[] {
  return plan.providers.flatMap((p) =>
    p.actions.flatMap((action) =>
      action.warnings.map((w) => `- ${badge(w)}**${mdText(action.name)}** (${action.kind}): ${mdText(w.message)}`),
    ),
  ).concat(
    plan.providers.flatMap((p) => [
      ...(p.notices ?? []).map((n) => `- ${n.name ? `**${mdText(n.name)}**: ` : ''}${mdText(n.message)}`),
      ...p.pending.flatMap((r) => (r.warning ? [`- **${mdText(r.remote.name)}** (kept): ${mdText(r.warning)}`] : [])),
    ]),
  );
}

const ESCALATION_BADGE = '⬆️';

function badge(warning: PlanWarning): string {
  if (warning.gate) return `${GATE_BADGE[warning.gate]} `;
  return warning.kind === 'privilege-escalation' ? `${ESCALATION_BADGE} ` : '';
}

/** Explains each badge the warnings use, once. */
function legend(actions: readonly PlannedAction[]): string[] {
  const warnings = actions.flatMap((a) => a.warnings);
  const gates = [...new Set(warnings.flatMap((w) => (w.gate ? [w.gate] : [])))].sort();
  const entries = gates.map((gate) => GATE_LEGEND[gate]);
  if (warnings.some((w) => w.kind === 'privilege-escalation')) entries.push(`${ESCALATION_BADGE} privilege escalation: the key gains permissions`);
  return entries.length === 0 ? [] : [`**Legend:** ${entries.join(' · ')}.`];
}

function summaryLine(action: PlannedAction): string {
  const keyId = actionKeyId(action);
  const id = keyId === null ? '' : ` <code>${htmlText(keyId)}</code>`;
  const gates = [...new Set(action.warnings.flatMap((w) => (w.gate ? [GATE_BADGE[w.gate]] : [])))].join('');
  return `<summary>${EMOJI[action.kind]} <b>${action.kind}</b> <code>${htmlText(action.name)}</code>${id}${gates ? ` ${gates}` : ''}</summary>`;
}

function actionSection(action: PlannedAction): string {
  const out = ['<details>', summaryLine(action), ''];
  for (const reason of action.reasons) out.push(`- ${mdText(reason)}`);
  // A privilege escalation gets its own line below the table.
  for (const warning of action.warnings) if (warning.kind !== 'privilege-escalation') out.push(`- ${warning.gate ? GATE_BADGE[warning.gate] : '⚠️'} ${mdText(warning.message)}`);
  const rows = beforeAfter(action);
  if (rows.length > 0) out.push('', '| field | before | after |', '| --- | --- | --- |', ...rows.map(([field, before, after]) => `| ${field} | ${before} | ${after} |`));
  if ((action.kind === 'update' || action.kind === 'rotate') && action.roleChange) {
    out.push('', `${action.roleChange.escalation ? `${ESCALATION_BADGE} **Privilege escalation:** ` : ''}${mdText(describeRoleChange(action.roleChange))}`);
  }
  out.push('', '</details>');
  return out.join('\n');
}

type Row = [field: string, before: string, after: string];

function beforeAfter(action: PlannedAction): Row[] {
  const cell = (text: string) => mdText(text);
  switch (action.kind) {
    case 'create': {
      const rows: Row[] = [
        ['description', '—', cell(JSON.stringify(action.spec.description))],
        ['roles', '—', cell(action.spec.roles.join(', '))],
        ['expires', '—', cell(describeExpiry(action.spec.expires))],
      ];
      if (action.desired?.owner) rows.push(['owner', '—', cell(action.desired.owner)]);
      return rows;
    }
    case 'update':
    case 'rotate': {
      const rows: Row[] = action.changes.map((c) => [c.field, cell(formatValue(c.before)), cell(formatValue(c.after))]);
      if (action.kind === 'rotate') rows.push(['key', codeSpan(action.remote.id, { inTable: true }), retireAfter(action)]);
      return rows;
    }
    case 'revoke':
      return [...remoteRows(action.remote), ['status', 'active', '**revoked**']];
    case 'finish':
      return action.retire ? [['key', codeSpan(action.retire.keyId, { inTable: true }), 'revoked or marked for its overlap once the secret is delivered']] : [];
  }
}

function retireAfter(action: RotateAction): string {
  if (action.retire.mode === 'revoke-first') return 'a new key; the old one is revoked first (the provider cannot rename keys, so there is a short gap)';
  const overlap = action.retire.overlapMs > 0 ? `, ${humanDuration(action.retire.overlapMs)} after the new secret is delivered` : ' once the new secret is delivered';
  return `a new key; the old one is revoked${overlap}`;
}

function remoteRows(remote: RemoteKey): Row[] {
  return [
    ['roles', mdText(remote.roles.join(', ')), '—'],
    ['expires', mdText(describeRemoteExpiry(remote)), '—'],
    ['last used', remote.lastUseUnknown !== undefined ? `unknown (${remote.lastUseUnknown})` : remote.lastUsedAt === null ? 'never' : isoTime(remote.lastUsedAt), '—'],
  ];
}

function pendingSection(pending: readonly PendingRetirement[]): string[] {
  if (pending.length === 0) return [];
  const rows = pending.map((p) => {
    const after = p.retireAt === null ? `revoked once the secret of ${codeSpan(p.replacedBy, { inTable: true })} is delivered (run apply)` : `revoked by an apply after ${isoTime(p.retireAt)}`;
    return `| ${codeSpan(p.remote.name, { inTable: true })} | ${codeSpan(p.remote.id, { inTable: true })} | active, replaced by ${codeSpan(p.replacedBy, { inTable: true })} | ${after} |`;
  });
  return [['### Old keys waiting to be revoked', '', '| key | id | before | after |', '| --- | --- | --- | --- |', ...rows].join('\n')];
}

function findingsSection(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return [];
  const rows = findings.map((f) => `| ${f.severity} | ${f.kind} | ${codeSpan(f.name, { inTable: true })} | ${mdText(f.message)} |`);
  return [[`<details><summary>${plural(findings.length, 'audit finding')}</summary>`, '', '| severity | finding | key | detail |', '| --- | --- | --- | --- |', ...rows, '', '</details>'].join('\n')];
}

function compactLine(action: PlannedAction): string {
  const keyId = actionKeyId(action);
  const id = keyId === null ? '' : ` (${codeSpan(keyId)})`;
  const gates = [...new Set(action.warnings.flatMap((w) => (w.gate ? [GATE_BADGE[w.gate]] : [])))].join('');
  return `- ${EMOJI[action.kind]} ${action.kind} ${codeSpan(action.name)}${id}${gates ? ` ${gates}` : ''}`;
}
