import type { EpochMillis, Expiry, Millis } from './model.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Units of a written duration. `m` is minutes; months are `mo`.
 * Calendar units are fixed lengths so a duration means the same thing on every date:
 * a month is 30 days and a year 365 days.
 */
export const DURATION_UNITS = {
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: DAY,
  w: 7 * DAY,
  mo: 30 * DAY,
  y: 365 * DAY,
} as const satisfies Record<string, Millis>;

type DurationUnit = keyof typeof DURATION_UNITS;

const DURATION_PATTERN = /^(\d{1,9})(s|m|h|d|w|mo|y)$/;

/** `90d` -> milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): Millis | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNITS[match[2] as DurationUnit];
}

/** Milliseconds -> a short exact written form (`90d`, `12h`, `1y`); for messages. */
export function formatDuration(ms: Millis): string {
  if (ms === 0) return '0s';
  // Days rather than months or weeks: `90d` reads as written, not as `3mo`.
  const units: DurationUnit[] = ['y', 'd', 'h', 'm', 's'];
  for (const unit of units) {
    const size = DURATION_UNITS[unit];
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const DATE_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO date or date-time -> epoch ms; undefined when it does not parse or names no real day or time.
 * A bare date (`2027-06-30`) means the end of that day UTC, 23:59:59.999, so a key "expiring on"
 * a date is usable throughout it. A date-time without an offset is UTC.
 */
export function parseDate(text: string): EpochMillis | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (h === undefined) return Date.UTC(year, month - 1, day, 23, 59, 59, 999);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const offset = zone === undefined ? 0 : parseOffset(zone);
  if (offset === undefined) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseOffset(zone: string): Millis | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (hours * HOUR + minutes * MINUTE);
}

export type ExpiryParse = { ok: true; expiry: Expiry } | { ok: false; message: string };

/** `90d` | `2027-06-30` | `2027-06-30T12:00:00Z` | `never` -> Expiry. */
export function parseExpiry(text: string): ExpiryParse {
  if (text === 'never') return { ok: true, expiry: { kind: 'never' } };
  const ms = parseDuration(text);
  if (ms !== undefined) {
    if (ms === 0) return { ok: false, message: `expires: must be longer than 0 (got "${text}")` };
    return { ok: true, expiry: { kind: 'relative', ms, text } };
  }
  const at = parseDate(text);
  if (at !== undefined) return { ok: true, expiry: { kind: 'absolute', at, text } };
  return { ok: false, message: `${describeInvalid(text)}: expected a duration (90d, 2w, 12h, 3mo, 1y), a date (2027-06-30), a date-time (2027-06-30T12:00:00Z) or never` };
}

function describeInvalid(text: string): string {
  return DATE_PATTERN.test(text) ? `expires: "${text}" is not a real date or time` : `expires: cannot read "${text}"`;
}
