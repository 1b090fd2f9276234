import { describe, expect, it } from 'vitest';
import { auditKeys } from '../../src/core/audit.js';
import type { ActionOutcome } from '../../src/core/apply-outcome.js';
import { renderApplyFailureMarkdown, renderApplyMarkdown } from '../../src/render/apply-markdown.js';
import { renderAuditIssueMarkdown } from '../../src/render/audit-issue-markdown.js';
import { DAY, NOW, ROLES, desiredKey, policy, remoteFor } from '../core/builders.js';
import { elementText, renderGfm, visibleText } from './gfm.js';

function staleReport(count: number) {
  const keys = Array.from({ length: count }, (_, i) => desiredKey({ name: `Stale_Key_${i}`, owner: 'team_ops', source: { file: 'keys.yaml', line: 3 + i, column: 5 } }));
  return auditKeys({
    desiredKeys: keys,
    policy: policy(),
    rootFile: 'keys.yaml',
    asOf: NOW,
    snapshots: { default: { roles: ROLES, keys: keys.map((k, i) => remoteFor(k, { id: `key_${i}`, createdAt: NOW - 400 * DAY, lastUsedAt: NOW - 200 * DAY, expiresAt: i === 0 ? NOW - DAY : null })) } },
  });
}

describe('the audit issue body', () => {
  it('lists findings by severity with key, owner, last use, place and fix', () => {
    const html = renderGfm(renderAuditIssueMarkdown(staleReport(2), { config: 'keys.yaml' }));
    expect(elementText(html, 'h3', 'Errors')).toBe('🔴 Errors (1)');
    expect(elementText(html, 'h3', 'Warnings')).toBe('🟡 Warnings (2)');
    expect(elementText(html, 'tr', 'expired')).toMatch(/^Stale_Key_0 expired: .* team_ops \d+ months ago keys\.yaml:3 run keyplan apply to rotate it, or remove it$/);
    expect(elementText(html, 'tr', 'Stale_Key_1')).toMatch(/^Stale_Key_1 stale: .* team_ops \d+ months ago keys\.yaml:4 remove it from the configuration/);
  });

  it('stays within its limit, tables intact, saying how many findings it left out', () => {
    const body = renderAuditIssueMarkdown(staleReport(2000), { config: 'keys.yaml', limit: 30_000 });
    expect(body.length).toBeLessThanOrEqual(30_000);
    const html = renderGfm(body);
    const rows = html.match(/<tr>/g)?.length ?? 0;
    expect(rows).toBeGreaterThan(50);
    expect(visibleText(html)).toMatch(/… and \d+ more warnings, not shown/);
    expect(visibleText(html)).not.toContain('| ---');
  });
});

describe('the apply comment', () => {
  const outcomes: ActionOutcome[] = [
    { kind: 'create', provider: 'default', name: 'Billing_Reader', status: 'done', newKeyId: 'key_new', delivered: ['github-secret acme/billing (BILLING_API_KEY)'] },
    { kind: 'rotate', provider: 'default', name: 'Deploy_Key', status: 'done', keyId: 'key_old', newKeyId: 'key_next', delivered: ['.keyplan/secrets.env (DEPLOY_KEY)'], retireAt: NOW + DAY },
    { kind: 'revoke', provider: 'default', name: 'Legacy|Export', status: 'failed', keyId: 'key_legacy', delivered: [], message: 'the key service refused: conflict' },
  ];

  it('shows each action, its key ids and where the secret went, and what failed', () => {
    const html = renderGfm(renderApplyMarkdown(outcomes, { config: 'keys.yaml' }));
    expect(visibleText(html)).toContain('Apply incomplete: 1 action failed, 0 not attempted. Done: 1 created, 0 updated, 1 rotated, 0 revoked.');
    expect(elementText(html, 'tr', 'Billing_Reader')).toBe('✅ created default/Billing_Reader key_new github-secret acme/billing (BILLING_API_KEY)');
    expect(elementText(html, 'tr', 'Deploy_Key')).toBe('✅ rotated default/Deploy_Key key_old → key_next .keyplan/secrets.env (DEPLOY_KEY) old key revoked by an apply after 2026-11-24T12:00:00Z');
    expect(elementText(html, 'tr', 'Legacy')).toBe('❌ revoked default/Legacy|Export key_legacy — the key service refused: conflict');
    expect(elementText(html, 'li', 'Legacy')).toBe('revoke default/Legacy|Export: the key service refused: conflict');
  });

  it('says when apply did not run', () => {
    const text = visibleText(renderGfm(renderApplyFailureMarkdown('apply refused; nothing was changed:\n  - Export_Job has consumers', { config: 'keys.yaml' })));
    expect(text).toBe('keyplan apply for keys.yaml Apply did not run. Nothing was changed. apply refused; nothing was changed: Export_Job has consumers');
  });
});
