import type { EpochMillis, Millis } from './model.js';

const UNITS: [string, Millis][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/**
 * A duration in words, exact to the second in its two largest units: `1 minute 30 seconds` (90s), `14 days`,
 * `1 day 12 hours`; anything finer than its second unit is left out (`3 hours 12 minutes`, not `… 5 seconds`).
 */
export function exactDuration(ms: Millis): string {
  const abs = Math.abs(ms);
  const parts: string[] = [];
  let rest = abs;
  for (const [unit, size] of UNITS) {
    if (parts.length === 0 && rest < size) continue;
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? '' : 's'}`);
    if (parts.length === 2 || (parts.length === 1 && count === 0)) break;
  }
  return parts.length === 0 ? 'less than a second' : parts.join(' ');
}

/** `3 hours`, `1 day`, `less than a minute` — the largest whole unit, for how long ago something happened. */
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

/** `2026-11-23T10:00:00Z`, or `2026-11-23T10:00:00.250Z` when the milliseconds are not zero. */
export function isoTime(at: EpochMillis): string {
  if (!Number.isInteger(at) || at < 0 || at >= YEAR_10000) return isoTimeOfDate(at);
  // A report prints hundreds of thousands of times: the date part is formatted once per day, the rest by hand.
  const ms = at % DAY_MS;
  const day = at - ms;
  let date = dayPrefixes.get(day);
  if (date === undefined) {
    if (dayPrefixes.size >= MAX_CACHED_DAYS) dayPrefixes.clear();
    date = new Date(day).toISOString().slice(0, 11);
    dayPrefixes.set(day, date);
  }
  const fraction = ms % 1000;
  const time = `${twoDigits(Math.floor(ms / 3_600_000))}:${twoDigits(Math.floor(ms / 60_000) % 60)}:${twoDigits(Math.floor(ms / 1000) % 60)}`;
  return fraction === 0 ? `${date}${time}Z` : `${date}${time}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}Z`;
}

const DAY_MS = 86_400_000;
/** From here on toISOString writes six-digit years (`+010000-…`); those go through the Date path. */
const YEAR_10000 = 253_402_300_800_000;
const MAX_CACHED_DAYS = 4096;
/** `2026-11-23T` for the start of each day seen (epoch ms). */
const dayPrefixes = new Map<number, string>();

function isoTimeOfDate(at: EpochMillis): string {
  const text = new Date(at).toISOString();
  return text.endsWith('.000Z') ? `${text.slice(0, -5)}Z` : text;
}

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
