import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_UNITS, formatDuration, parseDate, parseDuration, parseExpiry } from '../../src/core/duration.js';

const DAY = 86_400_000;

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 30 * 60_000],
    ['12h', 12 * 3_600_000],
    ['90d', 90 * DAY],
    ['2w', 14 * DAY],
    ['3mo', 90 * DAY],
    ['1y', 365 * DAY],
    ['0s', 0],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '90', 'd', '1.5d', '-1d', '1 d', '1D', '1month', '10000000000d', ' 1d', '1d '])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('round-trips through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), fc.constantFrom(...Object.keys(DURATION_UNITS)), (count, unit) => {
        const ms = parseDuration(`${count}${unit}`);
        expect(ms).toBeDefined();
        expect(parseDuration(formatDuration(ms as number))).toBe(ms);
      }),
    );
  });
});

describe('formatDuration', () => {
  it('prefers days over months and weeks', () => {
    expect(formatDuration(90 * DAY)).toBe('90d');
    expect(formatDuration(14 * DAY)).toBe('14d');
    expect(formatDuration(365 * DAY)).toBe('1y');
    expect(formatDuration(36 * 3_600_000)).toBe('36h');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});

describe('parseDate', () => {
  it('reads a bare date as the end of that day UTC', () => {
    expect(parseDate('2027-06-30')).toBe(Date.UTC(2027, 5, 30, 23, 59, 59, 999));
  });

  it('reads date-times with Z, offsets, or none (UTC)', () => {
    expect(parseDate('2027-06-30T12:00:00Z')).toBe(Date.UTC(2027, 5, 30, 12));
    expect(parseDate('2027-06-30T12:00:00+02:00')).toBe(Date.UTC(2027, 5, 30, 10));
    expect(parseDate('2027-06-30T12:00:00-0130')).toBe(Date.UTC(2027, 5, 30, 13, 30));
    expect(parseDate('2027-06-30T12:00')).toBe(Date.UTC(2027, 5, 30, 12));
    expect(parseDate('2027-06-30T12:00:00.250Z')).toBe(Date.UTC(2027, 5, 30, 12, 0, 0, 250));
  });

  it.each(['2027-02-29', '2027-13-01', '2027-00-10', '2027-04-31', '2027-06-30T24:00', '2027-06-30T12:60', '27-06-30', '2027/06/30', 'tomorrow'])(
    'rejects %j',
    (text) => {
      expect(parseDate(text)).toBeUndefined();
    },
  );

  it('accepts 29 February in leap years only', () => {
    expect(parseDate('2028-02-29')).toBe(Date.UTC(2028, 1, 29, 23, 59, 59, 999));
    expect(parseDate('2100-02-29')).toBeUndefined();
  });
});

describe('parseExpiry', () => {
  it('tells never, durations and dates apart', () => {
    expect(parseExpiry('never')).toEqual({ ok: true, expiry: { kind: 'never' } });
    expect(parseExpiry('90d')).toEqual({ ok: true, expiry: { kind: 'relative', ms: 90 * DAY, text: '90d' } });
    expect(parseExpiry('2027-06-30')).toEqual({
      ok: true,
      expiry: { kind: 'absolute', at: Date.UTC(2027, 5, 30, 23, 59, 59, 999), text: '2027-06-30' },
    });
  });

  it('explains what it expected', () => {
    expect(parseExpiry('soon')).toEqual({ ok: false, message: expect.stringContaining('expected a duration') });
    expect(parseExpiry('2027-02-30')).toEqual({ ok: false, message: expect.stringContaining('not a real date') });
    expect(parseExpiry('0d')).toEqual({ ok: false, message: expect.stringContaining('longer than 0') });
  });
});
