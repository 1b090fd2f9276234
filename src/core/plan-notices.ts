import { formatDuration } from './duration.js';
import { exactDuration } from './humanize.js';
import type { Capabilities, DesiredKey, RotationField } from './model.js';
import type { PlanNotice, PlannedAction } from './plan-types.js';

const HOUR_MS = 3_600_000;

/**
 * What a reviewer should know though nothing is wrong: durations so short they are likely a typo (`6m` for
 * `6mo`), and what the provider cannot do for a pipeline (keep a delivery mark, hold an apply lease).
 */
export function planNotices(provider: string, keys: readonly DesiredKey[], capabilities: Capabilities, actions: readonly PlannedAction[]): PlanNotice[] {
  const notices: PlanNotice[] = keys.flatMap(shortDurationNotices);
  const creates = actions.some((a) => a.kind === 'create' || a.kind === 'rotate' || a.kind === 'finish');
  if (creates && !(capabilities.metadata && capabilities.editableFields.includes('metadata'))) {
    notices.push({
      message:
        `provider ${provider} keeps no editable metadata on keys, so whether a new secret reached its sinks is recorded only in this ` +
        `configuration's state directory (journal.json): keep that directory between pipeline runs, or a lost secret goes unnoticed`,
    });
  }
  if (actions.length > 0 && capabilities.leases === false) {
    notices.push({
      message:
        `provider ${provider} cannot hold an apply lease: applies from other checkouts or machines are not kept apart ` +
        `(the lock in the state directory covers this one only); run them one at a time (a CI concurrency group)`,
    });
  }
  return notices;
}

function shortDurationNotices(key: DesiredKey): PlanNotice[] {
  const notices: PlanNotice[] = [];
  const check = (field: 'expires' | RotationField, ms: number | undefined, written: string | undefined) => {
    if (ms === undefined || ms <= 0 || ms >= HOUR_MS) return;
    const text = written ?? formatDuration(ms);
    const guess = /^\d+m$/.test(text) ? ` — did you mean ${text}o?` : ' — is that intended?';
    notices.push({ name: key.name, message: `${field}: ${text} is ${exactDuration(ms)}${guess}`, source: key.fields?.[field] ?? key.source });
  };
  if (key.expires?.kind === 'relative') check('expires', key.expires.ms, key.expires.text);
  check('rotation.every', key.rotation?.everyMs, undefined);
  check('rotation.before_expiry', key.rotation?.beforeExpiryMs, undefined);
  check('rotation.overlap', key.rotation?.overlapMs, undefined);
  return notices;
}
