import { describe, expect, it } from 'vitest';
import { auditKeys, type AuditReport } from '../../src/core/audit.js';
import { auditCsvChunks, renderAuditCsv, csvCell } from '../../src/render/audit-csv.js';
import { auditJsonChunks, auditToJson } from '../../src/render/audit-json.js';
import { auditMarkdownChunks, renderAuditMarkdown } from '../../src/render/audit-markdown.js';
import { auditSarifChunks, auditToSarif } from '../../src/render/audit-sarif.js';
import { auditTextChunks, renderAuditText } from '../../src/render/audit-text.js';
import type { Paint } from '../../src/render/paint.js';
import { sarifValidator } from './audit-sarif-schema.js';
import { DAY, NOW, ROLES, desiredKey, policy, remoteFor, remoteKey } from '../core/builders.js';

function sampleReport(): AuditReport {
  const reader = desiredKey({ name: 'Billing_Reader', description: 'Reads invoices, for the "billing" dashboard', owner: 'team-billing', source: { file: 'teams/billing.yaml', line: 7, column: 5 } });
  const deployer = desiredKey({ name: 'Deployer', roles: ['ADMIN'], source: { file: 'keys.yaml', line: 12, column: 5 } });
  return auditKeys({
    desiredKeys: [reader, deployer],
    policy: policy({ requireExpiryFor: ['ADMIN'] }),
    rootFile: 'keys.yaml',
    asOf: NOW,
    snapshots: {
      default: {
        roles: ROLES,
        keys: [
          remoteFor(reader, { id: 'key_reader', createdAt: NOW - 30 * DAY, lastUsedAt: NOW - 2 * DAY, expiresAt: NOW + 5 * DAY }),
          remoteFor(deployer, { id: 'key_deploy', createdAt: NOW - 200 * DAY, lastUsedAt: null }),
          remoteKey({ id: 'key_manual', name: '=HYPERLINK("http://evil")', description: '', roles: ['READONLY'], createdAt: NOW - 400 * DAY, lastUsedAt: NOW - 100 * DAY, metadata: {} }),
          remoteKey({ id: 'key_fine', name: 'Fine', createdAt: NOW - DAY, lastUsedAt: NOW - 3_600_000 }),
        ],
      },
    },
  });
}

describe('audit text', () => {
  it('prints a table sorted by severity, then each finding with its place', () => {
    expect(renderAuditText(sampleReport())).toMatchInlineSnapshot(`
      "keyplan audit as of 2026-11-23T12:00:00Z
      policy: stale_after 90d, unused_grace 14d, expiry_warning 14d

      KEY                        DESCRIPTION                           ROLES     LAST USED     AGE       EXPIRES                 OWNER         FINDINGS
      Deployer                   Reads invoices                        ADMIN     Never         6 months  never                   -             privileged-stale, no-expiry
      =HYPERLINK("http://evil")  -                                     READONLY  3 months ago  1 year    never                   -             stale, unmanaged
      Billing_Reader             Reads invoices, for the "billing" d…  READONLY  2 days ago    1 month   2026-11-28 (in 5 days)  team-billing  expiring
      Fine                       Reads invoices                        READONLY  1 hour ago    1 day     never                   -             ok

      Findings:
        error   privileged-stale Deployer (key_deploy, keys.yaml:12:5): never used since it was created 6 months ago and holds privileged role ADMIN
        error   no-expiry        Deployer (key_deploy, keys.yaml:12:5): never expires, but policy requires an expiry for role ADMIN
        warning stale            =HYPERLINK("http://evil") (key_manual, not declared): last used 3 months ago (stale_after: 3 months)
        warning unmanaged        =HYPERLINK("http://evil") (key_manual, not declared): is not declared in keys.yaml and not managed by keyplan
        warning expiring         Billing_Reader (key_reader, teams/billing.yaml:7:5): expires in 5 days (2026-11-28)

      2 errors, 3 warnings in 4 live keys.
      "
    `);
  });

  it('colours only through the Paint it is given', () => {
    const tagged: Paint = (style, text) => `<${style}>${text}</${style}>`;
    const text = renderAuditText(sampleReport(), { paint: tagged });
    expect(text).toContain('<red>privileged-stale, no-expiry</red>');
    expect(text).toContain('<dim>ok</dim>');
    expect(renderAuditText(sampleReport())).not.toContain('\u001b[');
  });
});

describe('audit markdown', () => {
  it('renders a summary, a table and the findings, escaping user text', () => {
    expect(renderAuditMarkdown(sampleReport())).toMatchInlineSnapshot(`
      "## keyplan audit

      As of 2026-11-23T12:00:00Z: 4 live keys, 2 errors, 3 warnings.

      |  | key | roles | last used | age | expires | owner | findings |
      | --- | --- | --- | --- | --- | --- | --- | --- |
      | 🔴 | **Deployer**<br>Reads invoices | ADMIN | Never | 6 months | never | - | privileged-stale, no-expiry |
      | 🟡 | **=HYPERLINK("http://evil")** | READONLY | 3 months ago | 1 year | never | - | stale, unmanaged |
      | 🟡 | **Billing\\_Reader**<br>Reads invoices, for the "billing" dashboard | READONLY | 2 days ago | 1 month | 2026-11-28 (in 5 days) | team-billing | expiring |
      | 🟢 | **Fine**<br>Reads invoices | READONLY | 1 hour ago | 1 day | never | - | ok |

      ### Findings

      - 🔴 **privileged-stale** \`Deployer\` (\`keys.yaml:12\`): never used since it was created 6 months ago and holds privileged role ADMIN
      - 🔴 **no-expiry** \`Deployer\` (\`keys.yaml:12\`): never expires, but policy requires an expiry for role ADMIN
      - 🟡 **stale** \`=HYPERLINK("http://evil")\` (not declared): last used 3 months ago (stale\\_after: 3 months)
      - 🟡 **unmanaged** \`=HYPERLINK("http://evil")\` (not declared): is not declared in keys.yaml and not managed by keyplan
      - 🟡 **expiring** \`Billing_Reader\` (\`teams/billing.yaml:7\`): expires in 5 days (2026-11-28)
      "
    `);
  });
});

describe('audit json', () => {
  it('is versioned and lists every live key with its findings', () => {
    const json = auditToJson(sampleReport()) as { format_version: string; summary: object; keys: { id: string; declared: boolean; findings: { kind: string }[] }[] };
    expect(json.format_version).toBe('1');
    expect(json.summary).toEqual({ keys: 4, errors: 2, warnings: 3, by_kind: { 'privileged-stale': 1, 'no-expiry': 1, expiring: 1, stale: 1, unmanaged: 1 } });
    expect(json.keys.map((k) => [k.id, k.declared, k.findings.map((f) => f.kind).join(' ')])).toEqual([
      ['key_deploy', true, 'privileged-stale no-expiry'],
      ['key_manual', false, 'stale unmanaged'],
      ['key_reader', true, 'expiring'],
      ['key_fine', false, ''],
    ]);
  });
});

describe('audit csv', () => {
  const cells: [string, string][] = [
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+2', "'=1+2"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['=A1,"x"', `"'=A1,""x"""`],
    ['', ''],
  ];
  it.each(cells)('escapes %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('writes a header and one CRLF-terminated row per key', () => {
    const csv = renderAuditCsv(sampleReport());
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('provider,id,name,description,roles,created_at,last_used_at,expires_at,owner,declared,source,severity,findings,messages');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv).toContain(`default,key_manual,"'=HYPERLINK(""http://evil"")",,READONLY,`);
    expect(csv).toContain('"Reads invoices, for the ""billing"" dashboard"');
  });
});

describe('audit sarif', () => {
  const validate = sarifValidator();

  it('validates against the SARIF 2.1.0 schema', () => {
    const sarif = auditToSarif(sampleReport(), { toolVersion: '0.1.0' });
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the schema check can fail: a result without a message is refused', () => {
    const sarif = auditToSarif(sampleReport(), { toolVersion: '0.1.0' }) as { runs: { results: Record<string, unknown>[] }[] };
    delete sarif.runs[0]?.results[0]?.message;
    expect(validate(sarif)).toBe(false);
  });

  it('has one rule per finding kind and points each result at the key entry, undeclared keys at the root file', () => {
    const sarif = auditToSarif(sampleReport(), { toolVersion: '0.1.0' }) as {
      runs: { tool: { driver: { rules: { id: string; defaultConfiguration: { level: string } }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[] }[] }[];
    };
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules.map((r) => `${r.id}:${r.defaultConfiguration.level}`)).toEqual([
      'expired:error',
      'privileged-stale:error',
      'no-expiry:error',
      'expiring:warning',
      'stale:warning',
      'never-used:warning',
      'rotation-due:warning',
      'unmanaged:warning',
      'managed-elsewhere:warning',
    ]);
    expect(
      run?.results.map((r) => {
        const loc = r.locations[0]?.physicalLocation;
        return `${r.ruleId}@${r.ruleIndex} ${r.level} ${loc?.artifactLocation.uri}:${loc?.region.startLine}:${loc?.region.startColumn}`;
      }),
    ).toEqual([
      'privileged-stale@1 error keys.yaml:12:5',
      'no-expiry@2 error keys.yaml:12:5',
      'stale@4 warning keys.yaml:1:1',
      'unmanaged@7 warning keys.yaml:1:1',
      'expiring@3 warning teams/billing.yaml:7:5',
    ]);
  });
});

/** Enough keys, half of them with findings, that every format writes its report in several chunks. */
function largeReport(count = 450): AuditReport {
  const keys = Array.from({ length: count }, (_, i) =>
    remoteKey({
      id: `key_${String(i).padStart(5, '0')}`,
      name: `key ${i} "quoted", ${'x'.repeat(i % 40)}`,
      description: i % 7 === 0 ? 'a, b; "c"' : '',
      lastUsedAt: i % 2 === 0 ? NOW - 100 * DAY : NOW - DAY,
      metadata: i % 3 === 0 ? {} : { 'managed-by': 'keyplan', 'keyplan-owner': 'team-ü' },
    }),
  );
  return auditKeys({ desiredKeys: [], policy: policy(), rootFile: 'keys.yaml', asOf: NOW, snapshots: { default: { roles: ROLES, keys }, other: { roles: ROLES, keys: keys.slice(0, 3) } } });
}

const emptyReport = (): AuditReport => auditKeys({ desiredKeys: [], policy: policy(), rootFile: 'keys.yaml', asOf: NOW, snapshots: { default: { roles: ROLES, keys: [] } } });

describe('reports written in chunks', () => {
  it('writes the JSON and SARIF documents exactly as JSON.stringify with two spaces, then a newline', () => {
    for (const report of [emptyReport(), sampleReport(), largeReport()]) {
      expect([...auditJsonChunks(report)].join('')).toBe(`${JSON.stringify(auditToJson(report), null, 2)}\n`);
      const options = { toolVersion: '9.9.9' };
      expect([...auditSarifChunks(report, options)].join('')).toBe(`${JSON.stringify(auditToSarif(report, options), null, 2)}\n`);
    }
  });

  it('splits a large report into many chunks, each ending at the end of a line', () => {
    const report = largeReport();
    const formats: [string, Iterable<string>, string][] = [
      ['json', auditJsonChunks(report), '\n'],
      ['sarif', auditSarifChunks(report, { toolVersion: '0.1.0' }), '\n'],
      ['csv', auditCsvChunks(report), '\r\n'],
      ['text', auditTextChunks(report), '\n'],
      ['markdown', auditMarkdownChunks(report), '\n'],
    ];
    for (const [format, chunks, end] of formats) {
      const list = [...chunks];
      expect(list.length, format).toBeGreaterThanOrEqual(3);
      if (format !== 'json' && format !== 'sarif') for (const chunk of list) expect(chunk.endsWith(end), format).toBe(true);
    }
  });

  it('keeps every key in a large CSV, text and markdown report, in audit order', () => {
    const report = largeReport();
    const csvRows = renderAuditCsv(report).split('\r\n').filter((line) => line.startsWith('default,') || line.startsWith('other,'));
    expect(csvRows.map((line) => line.split(',')[1])).toEqual(report.keys.map((key) => key.remote.id));
    const text = renderAuditText(report);
    expect(text.split('\n').filter((line) => /^(default|other) /.test(line)).length).toBe(report.keys.length);
    expect(text.endsWith(`${report.keys.length} live keys.\n`)).toBe(true);
    expect(renderAuditMarkdown(report).split('\n').filter((line) => line.startsWith('| ')).length).toBe(report.keys.length + 2); // with the header and its rule
  });

  it('ends markdown with exactly one newline, as an unchunked rendering did', () => {
    for (const report of [emptyReport(), sampleReport(), largeReport()]) expect(renderAuditMarkdown(report)).toMatch(/\S\n$/);
  });
});
