import { describe, expect, it } from 'vitest';
import { auditKeys, type AuditReport } from '../../src/core/audit.js';
import { expiryBuckets, lastUseBuckets } from '../../src/render/audit-html-charts.js';
import { auditHtmlChunks, renderAuditHtml } from '../../src/render/audit-html.js';
import { AUDIT_FORMATS } from '../../src/render/audit-formats.js';
import { DAY, NOW, ROLES, policy, remoteKey } from '../core/builders.js';

function report(keys: ReturnType<typeof remoteKey>[]): AuditReport {
  return auditKeys({ desiredKeys: [], policy: policy(), rootFile: 'keys.yaml', asOf: NOW, snapshots: { default: { roles: ROLES, keys } } });
}

describe('the HTML audit report', () => {
  it('buckets last use at the edges: under 7, 30 and 90 days, older, never', () => {
    const used = (ago: number, id: string) => remoteKey({ id, name: id, lastUsedAt: NOW - ago });
    const keys = [remoteKey({ id: 'n', name: 'n', lastUsedAt: null }), used(7 * DAY - 1, 'a'), used(7 * DAY, 'b'), used(30 * DAY - 1, 'c'), used(30 * DAY, 'd'), used(90 * DAY, 'e')];
    expect(lastUseBuckets(report(keys).keys, NOW).map((b) => `${b.label}=${b.count}`)).toEqual(['never=1', '< 7 d=1', '< 30 d=2', '< 90 d=1', 'older=1']);
  });

  it('buckets expiries by week up to day 90; expired keys apart, later ones left out', () => {
    const expiring = (ahead: number, id: string) => remoteKey({ id, name: id, expiresAt: NOW + ahead });
    const keys = [expiring(-1, 'gone'), expiring(1, 'a'), expiring(7 * DAY, 'b'), expiring(7 * DAY + 1, 'c'), expiring(90 * DAY, 'd'), expiring(90 * DAY + 1, 'late'), remoteKey({ id: 'x', name: 'x', expiresAt: null })];
    const { weeks, expired } = expiryBuckets(report(keys).keys, NOW);
    expect(expired).toBe(1);
    expect(weeks).toHaveLength(13);
    expect(weeks.map((w) => w.count)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(weeks[12]?.label).toBe('84–90 d');
  });

  it('escapes every text it shows and is the same whole or in chunks', () => {
    const keys = Array.from({ length: 450 }, (_, i) => remoteKey({ id: `key_${i}`, name: `k${i}`, description: i === 7 ? '</script><b onclick="x">&' : '' }));
    const html = renderAuditHtml(report(keys));
    expect(html).toContain('&lt;/script&gt;&lt;b onclick=&quot;x&quot;&gt;&amp;');
    expect(html.match(/<script>/g)).toHaveLength(1);
    const chunks = [...auditHtmlChunks(report(keys))];
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.join('')).toBe(html);
  });

  it('is one of the formats the audit command picks from one table', () => {
    expect(Object.keys(AUDIT_FORMATS)).toEqual(['text', 'markdown', 'json', 'sarif', 'csv', 'html']);
    const html = [...AUDIT_FORMATS.html(report([remoteKey()]), { paint: (_s, t) => t, toolVersion: '0.0.0' })].join('');
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });
});
