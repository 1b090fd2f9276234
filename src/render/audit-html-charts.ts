import type { AuditedKey } from '../core/audit.js';
import type { EpochMillis } from '../core/model.js';
import { htmlText } from './markdown-escape.js';

const DAY = 86_400_000;

export interface Bucket {
  label: string;
  count: number;
}

/** Keys by time since last use: never, under 7 days, under 30, under 90, older. */
export function lastUseBuckets(keys: readonly AuditedKey[], asOf: EpochMillis): Bucket[] {
  const counts = [0, 0, 0, 0, 0];
  for (const { remote } of keys) {
    if (remote.lastUsedAt === null) bump(counts, 0);
    else {
      const idle = asOf - remote.lastUsedAt;
      bump(counts, idle < 7 * DAY ? 1 : idle < 30 * DAY ? 2 : idle < 90 * DAY ? 3 : 4);
    }
  }
  return ['never', '< 7 d', '< 30 d', '< 90 d', 'older'].map((label, index) => ({ label, count: counts[index] as number }));
}

function bump(counts: number[], index: number): void {
  counts[index] = (counts[index] ?? 0) + 1;
}

const WEEKS_AHEAD = 13;
const HORIZON_DAYS = 90;

/** Keys expiring in the next 90 days, week by week (the last week ends at day 90); keys already expired apart. */
export function expiryBuckets(keys: readonly AuditedKey[], asOf: EpochMillis): { weeks: Bucket[]; expired: number } {
  const counts = new Array<number>(WEEKS_AHEAD).fill(0);
  let expired = 0;
  for (const { remote } of keys) {
    if (remote.expiresAt === null) continue;
    const ahead = remote.expiresAt - asOf;
    if (ahead <= 0) expired += 1;
    else if (ahead <= HORIZON_DAYS * DAY) bump(counts, Math.min(WEEKS_AHEAD - 1, Math.floor((ahead - 1) / (7 * DAY))));
  }
  const weeks = counts.map((count, week) => ({ label: `${week * 7}–${Math.min(HORIZON_DAYS, week * 7 + 7)} d`, count }));
  return { weeks, expired };
}

const WIDTH = 420;
const LABEL_WIDTH = 76;
const COUNT_WIDTH = 64;
const ROW = 24;

/**
 * A horizontal bar chart as inline SVG (no script, no style attribute): a labelled row per bucket with its count
 * in words beside the bar, and a title and description for screen readers.
 */
export function barChartSvg(id: string, title: string, buckets: readonly Bucket[], barClass = 'bar'): string {
  const max = Math.max(1, ...buckets.map((bucket) => bucket.count));
  const span = WIDTH - LABEL_WIDTH - COUNT_WIDTH;
  const height = buckets.length * ROW + 4;
  const rows = buckets.map((bucket, index) => {
    const y = index * ROW + 2;
    const width = bucket.count === 0 ? 0 : Math.max(2, Math.round((bucket.count / max) * span));
    return [
      `<text x="0" y="${y + 16}">${htmlText(bucket.label)}</text>`,
      `<rect class="track" x="${LABEL_WIDTH}" y="${y + 4}" width="${span}" height="16" rx="3"/>`,
      width > 0 ? `<rect class="${barClass}" x="${LABEL_WIDTH}" y="${y + 4}" width="${width}" height="16" rx="3"/>` : '',
      `<text x="${LABEL_WIDTH + span + 8}" y="${y + 16}">${bucket.count.toLocaleString('en')}</text>`,
    ].join('');
  });
  const description = buckets.map((bucket) => `${bucket.label}: ${bucket.count}`).join('; ');
  return [
    `<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-t">${htmlText(title)}</title><desc id="${id}-d">${htmlText(description)}</desc>`,
    ...rows,
    '</svg>',
  ].join('');
}
