import { isoDate, relativeTime } from '../core/humanize.js';
import type { EpochMillis } from '../core/model.js';
import type { FindingKind, Severity } from '../core/plan-types.js';
import { htmlText } from './markdown-escape.js';

/** One key as an HTML table shows it: the audit report's inventory and the console's list alike. */
export interface KeyRow {
  name: string;
  description: string;
  roles: readonly string[];
  owner?: string;
  provider: string;
  createdAt: EpochMillis;
  lastUsedAt: EpochMillis | null;
  expiresAt: EpochMillis | null;
  /** Who manages the key, in words: `declared (keys.yaml:12)`, `managed by keyplan`, `unmanaged`. */
  ownership: string;
  findings?: readonly { kind: FindingKind; severity: Severity; message: string }[];
  /** Where the key's name links to (the console's details page). */
  href?: string;
}

export type KeyColumn = 'name' | 'roles' | 'owner' | 'provider' | 'created' | 'lastUsed' | 'expires' | 'ownership' | 'findings';

const HEADINGS: Record<KeyColumn, string> = {
  name: 'Name / description',
  roles: 'Roles',
  owner: 'Owner',
  provider: 'Provider',
  created: 'Created',
  lastUsed: 'Last use',
  expires: 'Expires',
  ownership: 'Ownership',
  findings: 'Findings',
};

/** A sort value for keys never used: before every real time, so "longest unused" sorts first. */
const NEVER_USED = -1;
/** A sort value for keys that never expire: after every real time. */
const NEVER_EXPIRES = 9e15;
const SEVERITY_RANK: Record<Severity | 'none', number> = { error: 0, warning: 1, none: 2 };

/** The header cells of a key table; the sorting script turns each into a button. */
export function keyTableHead(columns: readonly KeyColumn[]): string {
  const cols = columns.map((column) => `<col class="c-${column}">`).join('');
  const heads = columns.map((column) => `<th scope="col">${HEADINGS[column]}</th>`).join('');
  return `<colgroup>${cols}</colgroup><thead><tr>${heads}</tr></thead>`;
}

/** CSS giving each cell its heading on narrow screens, where rows become cards (the headings row is hidden). */
export function keyTableLabels(columns: readonly KeyColumn[]): string {
  const labels = columns.map((column, index) => (index === 0 ? '' : `table.keys td:nth-child(${index + 1})::before{content:"${HEADINGS[column]}"}`));
  return `@media (max-width:760px){\n${labels.join('\n')}\n}`;
}

/**
 * A key table's row writer: one `<tr>` per key (end tags of cells left out, as HTML allows: 100,000 rows are a
 * large file). The row's class is its worst severity (`e`, `w`), `data-k` its finding kinds, and each cell that
 * sorts by something else than its text carries the value in `data-v`.
 */
export function keyRowWriter(columns: readonly KeyColumn[], asOf: EpochMillis): (row: KeyRow) => string {
  const cell: Record<KeyColumn, (row: KeyRow) => string> = {
    name: (row) => {
      const name = row.href ? `<a href="${htmlText(row.href)}">${htmlText(row.name)}</a>` : htmlText(row.name);
      return `<th scope="row"><span class="n">${name}</span>${row.description ? `<span class="d">${htmlText(row.description)}</span>` : ''}`;
    },
    roles: (row) => `<td>${htmlText(row.roles.join(', '))}`,
    owner: (row) => `<td>${row.owner ? htmlText(row.owner) : '—'}`,
    provider: (row) => `<td>${htmlText(row.provider)}`,
    created: (row) => `<td data-v="${row.createdAt}">${isoDate(row.createdAt)}`,
    lastUsed: (row) =>
      row.lastUsedAt === null ? `<td data-v="${NEVER_USED}" class="never">Never` : `<td data-v="${row.lastUsedAt}">${relativeTime(row.lastUsedAt, asOf)}`,
    expires: (row) =>
      row.expiresAt === null ? `<td data-v="${NEVER_EXPIRES}">never` : `<td data-v="${row.expiresAt}">${isoDate(row.expiresAt)} (${relativeTime(row.expiresAt, asOf)})`,
    ownership: (row) => `<td>${htmlText(row.ownership)}`,
    findings: (row) => {
      const findings = row.findings ?? [];
      if (findings.length === 0) return `<td data-v="${SEVERITY_RANK.none}">none`;
      const items = findings.map((f) => `<li class="${f.severity[0]}"><b>${f.severity} · ${f.kind}</b> ${htmlText(f.message)}`).join('');
      return `<td data-v="${SEVERITY_RANK[worst(findings)]}"><ul class="f">${items}</ul>`;
    },
  };
  const writers = columns.map((column) => cell[column]);
  return (row) => {
    const findings = row.findings ?? [];
    const head = findings.length === 0 ? '<tr>' : `<tr class="${worst(findings)[0]}" data-k="${[...new Set(findings.map((f) => f.kind))].join(' ')}">`;
    let html = head;
    for (const write of writers) html += write(row);
    return html;
  };
}

function worst(findings: readonly { severity: Severity }[]): Severity {
  return findings.some((f) => f.severity === 'error') ? 'error' : 'warning';
}

/**
 * The table's controls, hidden until the script shows them (without it they would do nothing): a text filter,
 * with findings a severity and a kind filter, and a sort order (the headings row is hidden on narrow screens).
 */
export function keyTableControls(kinds: readonly FindingKind[] | undefined): string {
  const findingFilters = kinds
    ? [
        '<label>Severity<select id="filter-severity"><option value="">all keys</option><option value="any">with findings</option>',
        '<option value="error">errors</option><option value="warning">warnings, no errors</option><option value="none">no findings</option></select></label>',
        `<label>Finding<select id="filter-kind"><option value="">any kind</option>${kinds.map((kind) => `<option value="${kind}">${kind}</option>`).join('')}</select></label>`,
      ].join('')
    : '';
  return [
    '<div id="controls" class="controls" hidden>',
    '<label>Filter keys<input id="filter-text" type="search" placeholder="name, role, owner…" autocomplete="off"></label>',
    findingFilters,
    '<label>Sort by<select id="sort-by"><option value="">as listed</option></select></label>',
    '</div>',
    '<p id="table-status" class="status" role="status" aria-live="polite"></p>',
  ].join('\n');
}

/** After the table: the script's "show more" (the rows past a page). */
export const KEY_TABLE_MORE = '<p><button id="show-more" type="button" hidden>Show more keys</button></p>';
