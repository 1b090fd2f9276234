import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/core/humanize.js';

/** What isoTime printed before it formatted by hand: toISOString without a `.000` fraction. */
const reference = (at: number) => new Date(at).toISOString().replace(/\.000Z$/, 'Z');

/** Whole milliseconds between min and max (fc.integer stops at 32 bits). */
const moment = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((at) => Math.trunc(at) || 0);

describe('isoTime', () => {
  it('drops a zero fraction and keeps any other', () => {
    expect(isoTime(Date.parse('2026-11-23T10:00:00Z'))).toBe('2026-11-23T10:00:00Z');
    expect(isoTime(Date.parse('2026-11-23T10:00:00.250Z'))).toBe('2026-11-23T10:00:00.250Z');
    expect(isoTime(Date.parse('2026-11-23T23:59:59.005Z'))).toBe('2026-11-23T23:59:59.005Z');
    expect(isoTime(Date.parse('2026-11-24T00:00:00.040Z'))).toBe('2026-11-24T00:00:00.040Z');
  });

  it('prints what toISOString prints for any moment, within and outside years 1970 to 9999', () => {
    fc.assert(
      fc.property(moment(-8.64e15, 8.64e15), (at) => {
        expect(isoTime(at)).toBe(reference(at));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(moment(0, 253_402_300_799_999), (at) => {
        expect(isoTime(at)).toBe(reference(at));
      }),
      { numRuns: 2000 },
    );
    for (const at of [0, 1, 999, 1000, 86_399_999, 86_400_000, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5, 1e12 + 0.25]) {
      expect(isoTime(at), String(at)).toBe(reference(at));
    }
  });

  it('refuses an invalid moment as toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });

  it('stays right past the days it remembers', () => {
    for (let day = 0; day < 5000; day += 1) {
      const at = 1_700_000_000_000 + day * 86_400_000 + ((day * 7919) % 86_400_000);
      expect(isoTime(at)).toBe(reference(at));
    }
  });
});
