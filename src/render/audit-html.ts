import { createHash } from 'node:crypto';
import { FINDING_ORDER, countFindings, type AuditReport, type AuditedKey } from '../core/audit.js';
import { formatDuration } from '../core/duration.js';
import { DEFAULT_SEVERITY } from '../core/findings.js';
import { isoDate, isoTime, plural } from '../core/humanize.js';
import { ownershipOf } from '../core/ownership.js';
import type { FindingKind, Severity } from '../core/plan-types.js';
import { ownerOf } from './audit-cells.js';
import { barChartSvg, expiryBuckets, lastUseBuckets } from './audit-html-charts.js';
import { linesInChunks } from './audit-lines.js';
import { FINDING_RULES } from './audit-sarif.js';
import { KEY_TABLE_MORE, keyRowWriter, keyTableControls, keyTableHead, keyTableLabels, type KeyColumn, type KeyRow } from './key-table-html.js';
import { htmlText } from './markdown-escape.js';
import { REPORT_SCRIPT } from './report-script.js';
import { REPORT_CSS } from './report-style.js';

const COLUMNS: KeyColumn[] = ['name', 'roles', 'owner', 'provider', 'created', 'lastUsed', 'expires', 'ownership', 'findings'];
const STYLE = `${REPORT_CSS}${keyTableLabels(COLUMNS)}\n`;

/**
 * The page's own policy: nothing is fetched from anywhere (no network, not even the file's directory); only its
 * own style and script, by hash, run. It holds when the file is opened from disk or served by a web server.
 */
const CSP = `default-src 'none'; style-src '${sha256(STYLE)}'; script-src '${sha256(REPORT_SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/**
 * The audit as one self-contained HTML file: a summary, the findings by severity, two charts (time since last use,
 * expiries ahead) and every live key in a table that reads without JavaScript and sorts and filters with it.
 */
export function renderAuditHtml(report: AuditReport): string {
  return [...auditHtmlChunks(report)].join('');
}

/** renderAuditHtml in chunks (a couple of hundred rows each), to write one after another. */
export function* auditHtmlChunks(report: AuditReport): Generator<string> {
  const counts = countFindings(report);
  const kinds = FINDING_ORDER.filter((kind) => (counts.byKind[kind] ?? 0) > 0);
  yield [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>keyplan audit ${isoDate(report.asOf)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    header(report),
    stats(report, counts),
    findingsSection(counts.byKind),
    chartsSection(report),
    '<section aria-labelledby="keys-h">',
    '<h2 id="keys-h">Keys</h2>',
    keyTableControls(kinds),
    '<div class="table-wrap">',
    `<table class="keys" id="keys"><caption class="muted">Every live key, errors first. "Never" means the key was never used.</caption>`,
    keyTableHead(COLUMNS),
    '<tbody>',
    '',
  ].join('\n');
  const write = keyRowWriter(COLUMNS, report.asOf);
  yield* linesInChunks(rows(report, write));
  yield ['</tbody></table>', '</div>', KEY_TABLE_MORE, '</section>', '</main>', `<script>${REPORT_SCRIPT}</script>`, '</body>', '</html>', ''].join('\n');
}

function* rows(report: AuditReport, write: (row: KeyRow) => string): Generator<string> {
  for (const key of report.keys) yield write(keyRow(key));
}

function keyRow(key: AuditedKey): KeyRow {
  const { remote } = key;
  const owner = ownerOf(key);
  return {
    name: remote.name,
    description: remote.description,
    roles: remote.roles,
    ...(owner === undefined ? {} : { owner }),
    provider: key.provider,
    createdAt: remote.createdAt,
    lastUsedAt: remote.lastUsedAt,
    expiresAt: remote.expiresAt,
    ownership: ownershipText(key),
    findings: key.findings,
  };
}

function ownershipText(key: AuditedKey): string {
  if (key.desired) return `declared (${key.desired.source.file}:${key.desired.source.line})`;
  const ownership = ownershipOf(key.remote);
  if (ownership === undefined) return 'unmanaged';
  return key.findings.some((f) => f.kind === 'managed-elsewhere') ? `managed by ownership ${ownership}` : 'managed by keyplan, not declared';
}

function header(report: AuditReport): string {
  const p = report.policy;
  const providers = report.providers.length === 0 ? 'no providers' : `${report.providers.length === 1 ? 'provider' : 'providers'} ${report.providers.join(', ')}`;
  return [
    '<header>',
    '<h1>keyplan audit</h1>',
    `<p class="muted">As of <time datetime="${isoTime(report.asOf)}">${isoTime(report.asOf)}</time> · ${htmlText(report.rootFile)} · ${htmlText(providers)}</p>`,
    `<p class="muted">Policy: stale_after ${formatDuration(p.staleAfterMs)}, unused_grace ${formatDuration(p.unusedGraceMs)}, expiry_warning ${formatDuration(p.expiryWarningMs)}${p.requireExpiryFor.length > 0 ? `, require_expiry_for ${htmlText(p.requireExpiryFor.join(', '))}` : ''}</p>`,
    '</header>',
  ].join('\n');
}

function stats(report: AuditReport, counts: ReturnType<typeof countFindings>): string {
  const never = report.keys.filter((key) => key.remote.lastUsedAt === null).length;
  return [
    '<ul class="stats" aria-label="Summary">',
    `<li><b>${counts.keys.toLocaleString('en')}</b>${counts.keys === 1 ? 'live key' : 'live keys'}</li>`,
    `<li class="e"><b>${counts.errors.toLocaleString('en')}</b>${counts.errors === 1 ? 'error' : 'errors'}</li>`,
    `<li class="w"><b>${counts.warnings.toLocaleString('en')}</b>${counts.warnings === 1 ? 'warning' : 'warnings'}</li>`,
    `<li><b>${never.toLocaleString('en')}</b>never used</li>`,
    '</ul>',
  ].join('\n');
}

const SEVERITIES: { severity: Severity; title: string }[] = [
  { severity: 'error', title: 'Errors' },
  { severity: 'warning', title: 'Warnings' },
];

function findingsSection(byKind: Partial<Record<FindingKind, number>>): string {
  const parts = ['<section aria-labelledby="findings-h">', '<h2 id="findings-h">Findings by severity</h2>'];
  const found = FINDING_ORDER.filter((kind) => (byKind[kind] ?? 0) > 0);
  if (found.length === 0) parts.push('<p>No findings: every live key is in use, expires as policy asks and is accounted for.</p>');
  for (const { severity, title } of SEVERITIES) {
    const kinds = found.filter((kind) => DEFAULT_SEVERITY[kind] === severity);
    if (kinds.length === 0) continue;
    const total = kinds.reduce((sum, kind) => sum + (byKind[kind] ?? 0), 0);
    parts.push(
      `<h3 class="${severity[0]}">${title}: ${plural(total, 'finding')}</h3>`,
      '<table class="kinds"><thead><tr><th scope="col">Finding</th><th scope="col">Keys</th><th scope="col">What it means</th></tr></thead><tbody>',
      ...kinds.map((kind) => `<tr><th scope="row"><a href="#keys" data-kind="${kind}">${kind}</a></th><td class="count">${(byKind[kind] ?? 0).toLocaleString('en')}</td><td>${htmlText(FINDING_RULES[kind].text)}</td></tr>`),
      '</tbody></table>',
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function chartsSection(report: AuditReport): string {
  const { weeks, expired } = expiryBuckets(report.keys, report.asOf);
  const ahead = weeks.reduce((sum, week) => sum + week.count, 0);
  return [
    '<section aria-labelledby="charts-h">',
    '<h2 id="charts-h">Use and expiry</h2>',
    '<div class="charts">',
    '<figure><figcaption>Keys by time since last use</figcaption>',
    barChartSvg('chart-use', 'Keys by time since last use', lastUseBuckets(report.keys, report.asOf)),
    '</figure>',
    '<figure><figcaption>Expiries in the next 90 days, by week</figcaption>',
    barChartSvg('chart-expiry', 'Keys expiring in the next 90 days, by week', weeks, 'bar2'),
    `<p class="muted">${plural(ahead, 'key')} expiring in the next 90 days${expired > 0 ? `; ${plural(expired, 'key')} already expired and still listed` : ''}.</p>`,
    '</figure>',
    '</div>',
    '</section>',
  ].join('\n');
}
