import type { EpochMillis, Millis } from './model.js';

const UNITS: [string, Millis][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** `3 hours`, `1 day`, `less than a minute` — the largest whole unit. */
export function humanDuration(ms: Millis): string {
  const abs = Math.abs(ms);
  for (const [unit, size] of UNITS) {
    if (abs >= size && size >= 60_000) {
      const count = Math.floor(abs / size);
      return `${count} ${unit}${count === 1 ? '' : 's'}`;
    }
  }
  return 'less than a minute';
}

/** `3 hours ago` or `in 2 days`. */
export function relativeTime(at: EpochMillis, now: EpochMillis): string {
  return at <= now ? `${humanDuration(now - at)} ago` : `in ${humanDuration(at - now)}`;
}

/** `2026-11-23` for dates, `2026-11-23T10:00:00Z` when the time matters. */
export function isoDate(at: EpochMillis): string {
  return new Date(at).toISOString().slice(0, 10);
}

export function isoTime(at: EpochMillis): string {
  return new Date(at).toISOString().replace(/\.000Z$/, 'Z');
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
