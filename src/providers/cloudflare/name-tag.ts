/**
 * A Cloudflare API token has a name and nothing else to write on (no description, no metadata), so keyplan
 * keeps the key's description and its marks in a short tag at the end of the token's name:
 *
 *   billing-reader [kp:d=Reads invoices;m;o=acme/billing;w=team-billing]
 *
 * keyplan's own marks have one-letter names; `%`, `;`, `=` and `]` in values are percent-escaped. Cloudflare
 * allows 120 characters in a name, so the whole must fit (fitNameTag says what to shorten). No I/O here.
 */
import { MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNERSHIP_KEY, OWNER_KEY, REVOKED_BY_KEY } from '../../core/model.js';
import { CONSUMERS_KEY, PREVENT_REVOKE_KEY, RETIRE_AT_KEY, RETIRING_FOR_KEY } from '../../core/ownership.js';

export const MAX_TOKEN_NAME = 120;
/** The idempotency tag of a create, so a create whose answer was lost is found again. Never shown as metadata. */
export const CREATE_TAG = 'keyplan-create';
const DESCRIPTION = '\u0000description';

const SHORT: Record<string, string> = {
  [DESCRIPTION]: 'd',
  [MANAGED_BY_KEY]: 'm',
  [OWNERSHIP_KEY]: 'o',
  [OWNER_KEY]: 'w',
  [CONSUMERS_KEY]: 'c',
  [PREVENT_REVOKE_KEY]: 'p',
  [RETIRING_FOR_KEY]: 'r',
  [RETIRE_AT_KEY]: 't',
  [CREATE_TAG]: 'i',
};
const LONG = Object.fromEntries(Object.entries(SHORT).map(([long, short]) => [short, long]));
/** Written without a value: the mark's one usual value. */
const FLAGS: Record<string, string> = { m: MANAGED_BY_VALUE, p: 'true' };
const TAG = /\s\[kp:([^\]]*)\]$/;

export interface TaggedName {
  name: string;
  description: string;
  metadata: Record<string, string>;
}

export function splitNameTag(stored: string): TaggedName {
  const match = TAG.exec(stored);
  if (!match) return { name: stored, description: '', metadata: {} };
  const metadata: Record<string, string> = {};
  let description = '';
  for (const pair of (match[1] ?? '').split(';')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = unescape(at < 0 ? pair : pair.slice(0, at));
    const short = key.length === 1 ? key : undefined;
    const value = at < 0 ? (short ? FLAGS[short] : undefined) : unescape(pair.slice(at + 1));
    if (value === undefined) continue;
    const long = short ? LONG[short] : key.replace(/^\+/, '');
    if (long === DESCRIPTION) description = value;
    else if (long !== undefined) metadata[long] = value;
  }
  return { name: stored.slice(0, match.index), description, metadata };
}

/** The stored name; REVOKED_BY is not kept (Cloudflare deletes a revoked token, so nothing would carry it). */
export function joinNameTag({ name, description, metadata }: TaggedName): string {
  const entries: [string, string][] = [...(description === '' ? [] : [[DESCRIPTION, description] as [string, string]]), ...Object.entries(metadata)];
  const pairs: string[] = [];
  for (const [key, value] of entries.sort(([a], [b]) => (SHORT[a] ?? `+${a}`).localeCompare(SHORT[b] ?? `+${b}`))) {
    if (key === REVOKED_BY_KEY) continue;
    const short = SHORT[key];
    if (short && FLAGS[short] === value) pairs.push(short);
    else pairs.push(`${short ?? `+${escape(key)}`}=${escape(value)}`);
  }
  return pairs.length === 0 ? name : `${name} [kp:${pairs.join(';')}]`;
}

/** The stored name, or why it cannot be stored: Cloudflare keeps at most 120 characters. */
export function fitNameTag(tagged: TaggedName): { stored: string } | { tooLong: string } {
  const stored = joinNameTag(tagged);
  if (stored.length <= MAX_TOKEN_NAME) return { stored };
  return {
    tooLong:
      `Cloudflare token names hold at most ${MAX_TOKEN_NAME} characters, and keyplan keeps the description, owner, consumers and ownership there ` +
      `(Cloudflare tokens have no other field): ${JSON.stringify(stored)} is ${stored.length}; shorten the name, description, owner or consumers`,
  };
}

function escape(text: string): string {
  return text.replace(/[%;=\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function unescape(text: string): string {
  return text.replace(/%([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
