import type { ActionOutcome } from '../core/apply-outcome.js';
import { isoTime, plural } from '../core/humanize.js';
import { codeSpan, mdText } from './markdown-escape.js';
import { fitBlocks } from './markdown-fit.js';

const VERB: Record<ActionOutcome['kind'], string> = { create: 'created', update: 'updated', rotate: 'rotated', revoke: 'revoked', finish: 'finished' };
const STATUS: Record<ActionOutcome['status'], string> = { done: '✅', failed: '❌', skipped: '⏭️', 'not-started': '⏸️' };

export interface ApplyMarkdownOptions {
  config?: string;
  limit?: number;
  /** Where the whole report is when it had to be shortened. */
  fullReportAt?: string;
}

/**
 * The apply result for a pull request or step summary: the outcome, what failed, then one row per action with
 * the key ids and where each new secret went. Outcomes hold ids and destinations, never a secret.
 */
export function renderApplyMarkdown(outcomes: readonly ActionOutcome[], options: ApplyMarkdownOptions = {}): string {
  const heading = [`## keyplan apply${options.config ? ` for ${codeSpan(options.config)}` : ''}`, '', outcomeLine(outcomes)].join('\n');
  const notDone = outcomes.filter((o) => o.status !== 'done');
  return fitBlocks({
    limit: options.limit,
    fullPlanAt: options.fullReportAt,
    heading,
    lists: [{ title: (n) => `### ❌ ${plural(n, 'action')} not done`, items: notDone.map((o) => `- ${o.kind} ${codeSpan(`${o.provider}/${o.name}`)}: ${mdText(o.message ?? 'not attempted')}${o.recoveryFile ? ` (new secret kept in ${codeSpan(o.recoveryFile)}, mode 0600)` : ''}`), noun: 'action', footer: notDone.length > 0 ? ['Run `keyplan apply` again to finish: it resumes safely (no duplicate keys).'] : [] }],
    detail: outcomes.length === 0 ? [] : [table(outcomes)],
    folded: outcomes.map((o) => `- ${STATUS[o.status]} ${o.kind} ${codeSpan(o.name)}${o.newKeyId ? ` → ${codeSpan(o.newKeyId)}` : ''}`),
    foldedNoun: 'action',
  }).text;
}

/** Markdown for an apply that stopped before changing anything (a gate, a stale plan, a problem). */
export function renderApplyFailureMarkdown(message: string, options: { config?: string } = {}): string {
  return [`## keyplan apply${options.config ? ` for ${codeSpan(options.config)}` : ''}`, '', '**Apply did not run.** Nothing was changed.', '', ...message.split('\n').map((line) => `> ${mdText(line.trim())}`), ''].join('\n');
}

function outcomeLine(outcomes: readonly ActionOutcome[]): string {
  if (outcomes.length === 0) return '**Nothing to apply.** The key service already matched the configuration.';
  const count = (kind: ActionOutcome['kind']) => outcomes.filter((o) => o.kind === kind && o.status === 'done').length;
  const finished = count('finish');
  const done = `${count('create')} created, ${count('update')} updated, ${count('rotate')} rotated, ${count('revoke')} revoked${finished > 0 ? `, ${finished} finished` : ''}`;
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  const notStarted = outcomes.filter((o) => o.status === 'not-started').length;
  if (notStarted > 0) return `**Interrupted:** ${outcomes.filter((o) => o.status === 'done').length} of ${outcomes.length} done (${done}); ${notStarted} not started. Run \`keyplan apply\` to finish.`;
  if (failed === 0 && skipped === 0) return `**Apply complete:** ${done}.`;
  return `**Apply incomplete:** ${plural(failed, 'action')} failed, ${skipped} not attempted. Done: ${done}.`;
}

function table(outcomes: readonly ActionOutcome[]): string {
  const rows = outcomes.map((o) => {
    const ids = o.keyId && o.newKeyId ? `${codeSpan(o.keyId, { inTable: true })} → ${codeSpan(o.newKeyId, { inTable: true })}` : codeSpan(o.newKeyId ?? o.keyId ?? '', { inTable: true });
    const delivered = o.delivered.length > 0 ? o.delivered.map((d) => codeSpan(d, { inTable: true })).join('<br>') : '—';
    const note = o.retireAt !== undefined ? `old key revoked by an apply after ${isoTime(o.retireAt)}` : mdText(o.status === 'done' ? '' : (o.message ?? ''));
    return `| ${STATUS[o.status]} | ${VERB[o.kind]} | ${codeSpan(`${o.provider}/${o.name}`, { inTable: true })} | ${ids} | ${delivered} | ${note} |`;
  });
  return ['|  | action | key | key id | new secret delivered to | note |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
