import { isoTime, plural } from '../core/humanize.js';
import type { ActionOutcome } from '../core/apply-outcome.js';
import { plainPaint, type Paint } from './paint.js';

const VERB: Record<ActionOutcome['kind'], string> = { create: 'created', update: 'updated', rotate: 'rotated', revoke: 'revoked', finish: 'finished' };

/** One line per settled action, as it happens. */
export function outcomeLine(outcome: ActionOutcome, paint: Paint = plainPaint): string {
  const target = `${outcome.provider}/${outcome.name}`;
  if (outcome.status === 'failed') return `${paint('red', '✗ failed')} ${outcome.kind} ${target}${outcome.keyId ? ` (${outcome.keyId})` : ''}: ${outcome.message ?? 'unknown error'}`;
  if (outcome.status === 'not-started') return `${paint('yellow', '- not started')} ${outcome.kind} ${target}`;
  if (outcome.status === 'skipped') return `${paint('yellow', '- skipped')} ${outcome.kind} ${target}: ${outcome.message ?? ''}`;
  const ids = [outcome.keyId && outcome.newKeyId ? `${outcome.keyId} → ${outcome.newKeyId}` : (outcome.newKeyId ?? outcome.keyId)].filter(Boolean).join('');
  const delivered = outcome.delivered.length > 0 ? `; secret delivered to ${outcome.delivered.join(', ')}` : '';
  const overlap = outcome.retireAt !== undefined ? `; the old key is revoked by an apply after ${isoTime(outcome.retireAt)}` : '';
  return `${paint('green', '✓')} ${VERB[outcome.kind]} ${target}${ids ? ` (${ids})` : ''}${delivered}${overlap}`;
}

/** The closing summary: what was done and, after a failure or an interruption, what was not. */
export function applySummary(outcomes: readonly ActionOutcome[], paint: Paint = plainPaint, interrupted = false): string {
  if (outcomes.length === 0) return 'Nothing to apply.';
  const count = (kind: ActionOutcome['kind']) => outcomes.filter((o) => o.kind === kind && o.status === 'done').length;
  const finished = count('finish');
  const done = `${count('create')} created, ${count('update')} updated, ${count('rotate')} rotated, ${count('revoke')} revoked${finished > 0 ? `, ${finished} finished` : ''}`;
  const failed = outcomes.filter((o) => o.status === 'failed');
  const skipped = outcomes.filter((o) => o.status === 'skipped');
  const notStarted = outcomes.filter((o) => o.status === 'not-started');
  if (failed.length === 0 && skipped.length === 0 && notStarted.length === 0 && !interrupted) return paint('bold', `Apply complete: ${done}.`);
  const lines: string[] = [];
  if (interrupted || notStarted.length > 0) {
    const doneCount = outcomes.filter((o) => o.status === 'done').length;
    lines.push(paint('yellow', `Interrupted: ${doneCount} of ${outcomes.length} done (${done}).${notStarted.length > 0 ? ' Run keyplan apply to finish.' : ''}`));
  }
  if (failed.length > 0 || skipped.length > 0) {
    lines.push(paint('red', `Apply incomplete: ${plural(failed.length, 'action')} failed, ${skipped.length} not attempted. Done: ${done}.`));
  }
  for (const o of failed) lines.push(`  not done: ${o.kind} ${o.provider}/${o.name}: ${o.message ?? ''}`);
  for (const o of skipped) lines.push(`  not done: ${o.kind} ${o.provider}/${o.name}: ${o.message ?? ''}`);
  const recovery = [...new Set(failed.flatMap((o) => (o.recoveryFile ? [o.recoveryFile] : [])))];
  const undelivered = failed.filter((o) => o.recoveryFile).length;
  if (recovery.length > 0) {
    lines.push(`  ${plural(undelivered, 'new secret')} not yet delivered ${undelivered === 1 ? 'is' : 'are'} in ${recovery.join(', ')} (mode 0600); run apply again to retry delivery (each is removed from there once delivered).`);
  }
  const lost = failed.filter((o) => o.createdElsewhere !== undefined).length;
  if (lost > 0) {
    lines.push(
      `  ${lost === 1 ? '1 key was' : `${lost} keys were`} created by another apply at the same moment: ${lost === 1 ? 'its secret went' : 'their secrets went'} to that run's sinks, not to this checkout's. ` +
        'Run applies of one configuration one at a time (a CI concurrency group, or a key service that holds the apply lease).',
    );
  }
  if (failed.length > lost || skipped.length > 0) lines.push('  Run keyplan apply again to finish: it resumes safely (no duplicate keys).');
  return lines.join('\n');
}

export const APPLY_REPORT_VERSION = '1';

/** The machine-readable report: ids and outcomes, never a secret. */
export function applyReportJson(outcomes: readonly ActionOutcome[]): object {
  return {
    format_version: APPLY_REPORT_VERSION,
    success: outcomes.every((o) => o.status === 'done'),
    actions: outcomes.map((o) => ({
      action: o.kind,
      provider: o.provider,
      name: o.name,
      status: o.status,
      key_id: o.keyId ?? null,
      new_key_id: o.newKeyId ?? null,
      delivered_to: o.delivered,
      recovery_file: o.recoveryFile ?? null,
      retire_at: o.retireAt === undefined ? null : isoTime(o.retireAt),
      message: o.message ?? null,
    })),
  };
}
