import { isoTime, relativeTime } from '../../core/humanize.js';
import { MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNERSHIP_KEY, OWNER_KEY, DEFAULT_OWNERSHIP } from '../../core/model.js';
import { KEY_TABLE_MORE, keyRowWriter, keyTableControls, keyTableHead, keyTableLabels, type KeyColumn, type KeyRow } from '../../render/key-table-html.js';
import { htmlText } from '../../render/markdown-escape.js';
import { REPORT_CSS } from '../../render/report-style.js';
import type { SharedSecretInfo, StoreEvent, StoreKey } from '../../store/contract.js';

const COLUMNS: KeyColumn[] = ['name', 'roles', 'owner', 'created', 'lastUsed', 'expires', 'ownership'];

/** The console's stylesheet, served as its own file (the policy allows no inline style). */
export const CONSOLE_CSS = `${REPORT_CSS}${keyTableLabels(COLUMNS)}\n`;

export const CONSOLE_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="5" cy="8" r="3.5" fill="none" stroke="#2f62c9" stroke-width="2"/><path d="M8.5 8h6.5M12.5 8v3M14.5 8v2" stroke="#2f62c9" stroke-width="2"/></svg>';

/** Who is signed in, for the navigation: their name and the sign-out form's token. */
export interface SignedIn {
  who: string;
  csrf: string;
}

const READ_ONLY = 'This console is read-only: it changes nothing. Keys are declared in <code>keys.yaml</code>; to change one, edit it there and run <code>keyplan plan</code>, then <code>keyplan apply</code>.';

/** A whole console page: its own stylesheet and script (same origin), navigation, the read-only notice. */
export function consolePage(title: string, content: string, signedIn?: SignedIn): string {
  const nav = signedIn
    ? [
        '<nav aria-label="Console">',
        '<a href="/console">Keys</a><a href="/console/shared-secret">Shared secret</a>',
        `<span class="muted">Signed in as ${htmlText(signedIn.who)}</span> `,
        `<form class="inline" method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="${htmlText(signedIn.csrf)}"><button type="submit">Sign out</button></form>`,
        '</nav>',
      ].join('')
    : '';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${htmlText(title)} · keyplan console</title>`,
    '<link rel="stylesheet" href="/console/assets/console.css">',
    '<link rel="icon" type="image/svg+xml" href="/console/assets/icon.svg">',
    '<script src="/console/assets/console.js" defer></script>',
    '</head>',
    '<body>',
    '<main>',
    `<header class="top"><h1>${htmlText(title)}</h1>${nav}</header>`,
    `<p class="banner" role="note">${READ_ONLY}</p>`,
    content,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The sign-in form; `problem` says why the last attempt failed (the key sent is never shown again). */
export function signInPage(csrf: string, problem?: string): string {
  return consolePage(
    'Sign in',
    [
      problem ? `<p class="banner error" role="alert">${htmlText(problem)}</p>` : '',
      '<form class="signin" method="post" action="/console/sign-in">',
      `<input type="hidden" name="csrf" value="${htmlText(csrf)}">`,
      '<label for="key">API key with the keys:read permission</label>',
      '<input id="key" name="key" type="password" autocomplete="off" required spellcheck="false">',
      '<p class="muted">The key is checked once; the browser then holds only a sign-in cookie (HttpOnly, SameSite=Strict).</p>',
      '<p><button type="submit">Sign in</button></p>',
      '</form>',
    ].join('\n'),
  );
}

/** A page that only says something (not found, refused, too many attempts). */
export function messagePage(title: string, message: string, signedIn?: SignedIn): string {
  return consolePage(title, `<p class="banner error" role="alert">${htmlText(message)}</p><p><a href="/console">Back to the keys</a></p>`, signedIn);
}

/** One page of the service's live keys, as the audit report's table (without findings: the console has no keys.yaml). */
export function keysPage(keys: readonly StoreKey[], now: number, nextCursor: string | null, signedIn: SignedIn): string {
  const write = keyRowWriter(COLUMNS, now);
  const rows = keys.map((key) => write(keyRow(key)));
  const never = keys.filter((key) => key.lastUsedAt === null).length;
  return consolePage(
    'Keys',
    [
      `<ul class="stats" aria-label="Summary"><li><b>${keys.length.toLocaleString('en')}</b>${nextCursor ? 'keys on this page' : keys.length === 1 ? 'live key' : 'live keys'}</li><li><b>${never.toLocaleString('en')}</b>never used</li></ul>`,
      keyTableControls(undefined),
      '<div class="table-wrap">',
      '<table class="keys" id="keys"><caption class="muted">Live keys of this service. "Never" means the key was never used. Select a name for its details and events.</caption>',
      keyTableHead(COLUMNS),
      '<tbody>',
      rows.join('\n'),
      '</tbody></table>',
      '</div>',
      KEY_TABLE_MORE,
      nextCursor ? `<p><a href="/console?cursor=${encodeURIComponent(nextCursor)}">Next page of keys</a></p>` : '',
    ].join('\n'),
    signedIn,
  );
}

function keyRow(key: StoreKey): KeyRow {
  const owner = key.metadata[OWNER_KEY];
  return {
    name: key.name,
    description: key.description,
    roles: key.roles,
    ...(owner === undefined ? {} : { owner }),
    provider: '',
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    expiresAt: key.expiresAt,
    ownership: ownershipText(key),
    href: `/console/keys/${encodeURIComponent(key.id)}`,
  };
}

function ownershipText(key: StoreKey): string {
  if (key.metadata[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) return 'not managed by keyplan';
  return `managed by keyplan (ownership ${key.metadata[OWNERSHIP_KEY] ?? DEFAULT_OWNERSHIP})`;
}

/** One key: every field the API lists (never a secret: the service keeps none), its permissions and its events. */
export function keyPage(key: StoreKey, permissions: readonly string[], events: readonly StoreEvent[] | undefined, now: number, signedIn: SignedIn): string {
  const when = (at: number | null, none: string) => (at === null ? none : `${isoTime(at)} (${relativeTime(at, now)})`);
  const fields: [string, string][] = [
    ['Id', `<code>${htmlText(key.id)}</code>`],
    ['Name', htmlText(key.name)],
    ['Description', key.description ? htmlText(key.description) : '—'],
    ['Roles', htmlText(key.roles.join(', ')) || '—'],
    ['Permissions', htmlText(permissions.join(', ')) || '—'],
    ['Prefix', `<code>${htmlText(key.prefix)}</code> <span class="muted">(the start of the secret, shown in lists; the secret itself is shown once, at creation)</span>`],
    ['Created', when(key.createdAt, '—')],
    ['Last use', key.lastUsedAt === null ? '<b>Never</b>' : when(key.lastUsedAt, '')],
    ['Expires', when(key.expiresAt, 'never')],
    ['Revoked', when(key.revokedAt, 'no')],
    ['Ownership', htmlText(ownershipText(key))],
    ['Version', String(key.version)],
  ];
  const metadata = Object.entries(key.metadata);
  return consolePage(
    key.name,
    [
      '<h2>Details</h2>',
      `<dl class="details">${fields.map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`).join('')}</dl>`,
      '<h2>Metadata</h2>',
      metadata.length === 0
        ? '<p>None.</p>'
        : `<dl class="details">${metadata.map(([name, value]) => `<dt>${htmlText(name)}</dt><dd>${htmlText(value)}</dd>`).join('')}</dl>`,
      '<h2>Events</h2>',
      eventsTable(events),
    ].join('\n'),
    signedIn,
  );
}

function eventsTable(events: readonly StoreEvent[] | undefined): string {
  if (events === undefined) return '<p>Listing events needs the <code>events:read</code> permission, which this key lacks.</p>';
  if (events.length === 0) return '<p>No events recorded for this key.</p>';
  const rows = events.map(
    (event) => `<tr><td>${isoTime(event.at)}</td><td>${htmlText(event.action)}</td><td>${htmlText(event.actor)}</td><td>${event.details ? `<code>${htmlText(JSON.stringify(event.details))}</code>` : ''}</td></tr>`,
  );
  return `<table class="kinds"><thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">By</th><th scope="col">Details</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The shared secret's metadata; its value is never kept, so never shown. */
export function sharedSecretPage(info: SharedSecretInfo | undefined, now: number, signedIn: SignedIn): string {
  const body =
    info === undefined
      ? '<p>Reading the shared secret\'s metadata needs the <code>shared-secret:read</code> permission, which this key lacks.</p>'
      : info.exists
        ? `<dl class="details"><dt>Prefix</dt><dd><code>${htmlText(info.prefix ?? '')}</code></dd><dt>Created</dt><dd>${isoTime(info.createdAt ?? 0)} (${relativeTime(info.createdAt ?? 0, now)})</dd><dt>Last rotated</dt><dd>${isoTime(info.rotatedAt ?? 0)} (${relativeTime(info.rotatedAt ?? 0, now)})</dd></dl>`
        : '<p>This service has no shared secret yet.</p>';
  return consolePage(
    'Shared secret',
    [body, '<p class="muted">The service keeps only a hash of the shared secret. To rotate it, call <code>POST /v1/shared-secret/rotate</code> with a key holding <code>shared-secret:rotate</code>; the new secret is shown once, in that answer.</p>'].join('\n'),
    signedIn,
  );
}
