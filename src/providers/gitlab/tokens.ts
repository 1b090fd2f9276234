/**
 * A GitLab access token as keyplan reads it. keyplan's marks go in a tag at the end of the token's
 * description (../description-tag.ts), under one-letter names (`[keyplan: c=ci; m=keyplan; o=acme%2Fplatform]`), with hidden entries: the create tag of a create (to find a lost one
 * again), whether an access level was written in roles, the exact expiry asked for (GitLab keeps a date), and on
 * a rotation's replacement the token it replaces and the overlap. No I/O here.
 */
import type { RemoteKey } from '../../core/model.js';
import { MANAGED_BY_KEY, OWNERSHIP_KEY, OWNER_KEY, REVOKED_BY_KEY } from '../../core/model.js';
import { CONSUMERS_KEY, PREVENT_REVOKE_KEY, REPLACES_KEY, RETIRE_AFTER_KEY, RETIRE_AT_KEY, RETIRING_FOR_KEY } from '../../core/ownership.js';
import { joinDescription, splitDescription } from '../description-tag.js';
import { levelName, rolesOf } from './scopes.js';

/** `GET …/access_tokens` and `GET /personal_access_tokens` items (no value). */
export interface GitLabToken {
  id: number;
  name: string;
  revoked: boolean;
  active: boolean;
  created_at: string;
  description?: string | null;
  scopes: string[];
  user_id: number;
  last_used_at?: string | null;
  expires_at: string | null;
  access_level?: number;
}

export const CREATE_TAG = 'keyplan-create';
export const LEVEL_TAG = 'keyplan-level';
export const EXPIRY_TAG = 'keyplan-expires-at';
const HIDDEN = [CREATE_TAG, LEVEL_TAG, EXPIRY_TAG, REPLACES_KEY, RETIRE_AFTER_KEY];
/** GitLab keeps at most 255 characters of a description. */
export const MAX_DESCRIPTION = 255;

export function toRemoteKey(token: GitLabToken): RemoteKey {
  return parse(token).key;
}

/**
 * The tokens as keys: one that a live replacement says it replaces is reported renamed aside and retiring (for
 * the replacement's name, at its creation plus the overlap), as a provider that can edit would have marked it.
 */
export function toRemoteKeys(tokens: readonly GitLabToken[]): RemoteKey[] {
  const parsed = tokens.map(parse);
  const replacedBy = new Map<string, Parsed>();
  for (const item of parsed) if (item.replaces) replacedBy.set(item.replaces.id, item);
  return parsed.map(({ key }) => {
    const replacement = replacedBy.get(key.id);
    if (!replacement?.replaces) return key;
    const retireAt = replacement.key.createdAt + replacement.replaces.overlapMs;
    return {
      ...key,
      name: `${key.name.slice(0, 80)}.retiring-${key.id.slice(-12)}`,
      metadata: { ...key.metadata, [RETIRING_FOR_KEY]: replacement.key.name, [RETIRE_AT_KEY]: String(retireAt) },
    };
  });
}

interface Parsed {
  key: RemoteKey;
  replaces?: { id: string; overlapMs: number };
}

function parse(token: GitLabToken): Parsed {
  const { description, metadata } = splitTokenDescription(token.description);
  const visible = Object.fromEntries(Object.entries(metadata).filter(([key]) => !HIDDEN.includes(key)));
  const level = levelName(token.access_level);
  const key: RemoteKey = {
    id: String(token.id),
    name: token.name,
    description,
    roles: rolesOf(token.scopes, token.access_level, metadata[LEVEL_TAG] !== undefined ? true : metadata[CREATE_TAG] === undefined ? undefined : false),
    prefix: '',
    createdAt: Date.parse(token.created_at),
    expiresAt: expiresAtOf(token.expires_at, metadata[EXPIRY_TAG]),
    lastUsedAt: token.last_used_at ? Date.parse(token.last_used_at) : null,
    revokedAt: null,
    metadata: visible,
    etag: token.created_at,
    ...(level === undefined ? {} : { providerFields: { access_level: level } }),
  };
  const replaces = metadata[REPLACES_KEY];
  const overlapMs = Number(metadata[RETIRE_AFTER_KEY]);
  return { key, ...(replaces !== undefined && Number.isFinite(overlapMs) ? { replaces: { id: replaces, overlapMs } } : {}) };
}

export function hiddenTag(token: GitLabToken, key: string): string | undefined {
  return splitTokenDescription(token.description).metadata[key];
}

/**
 * keyplan's marks go under one-letter names: the longest (a rotation's replacement, with owner, consumers and
 * ownership) must fit GitLab's 255 characters beside the description. Others' entries keep their names.
 */
const SHORT: Record<string, string> = {
  [MANAGED_BY_KEY]: 'm',
  [OWNERSHIP_KEY]: 'o',
  [OWNER_KEY]: 'w',
  [CONSUMERS_KEY]: 'c',
  [PREVENT_REVOKE_KEY]: 'p',
  [REVOKED_BY_KEY]: 'v',
  [CREATE_TAG]: 'i',
  [LEVEL_TAG]: 'l',
  [EXPIRY_TAG]: 'x',
  [REPLACES_KEY]: 'r',
  [RETIRE_AFTER_KEY]: 'a',
};
const LONG = Object.fromEntries(Object.entries(SHORT).map(([long, short]) => [short, long]));

function splitTokenDescription(stored: string | null | undefined): { description: string; metadata: Record<string, string> } {
  const { description, metadata } = splitDescription(stored);
  return { description, metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [LONG[key] ?? key, value])) };
}

/**
 * GitLab's expiry date, as the instant keyplan asked for when it falls on that date (so `expires: 90d`
 * reads back as 90 days after creation), else the start of that date, UTC, when GitLab ends the token.
 */
function expiresAtOf(date: string | null, asked: string | undefined): number | null {
  if (date === null) return null;
  const askedAt = Number(asked);
  if (Number.isFinite(askedAt) && new Date(askedAt).toISOString().slice(0, 10) === date) return askedAt;
  return Date.parse(`${date}T00:00:00Z`);
}

/** The description to store, or why it cannot be stored. */
export function storedDescription(description: string, metadata: Record<string, string>): { stored: string } | { tooLong: string } {
  const stored = joinDescription(description, Object.fromEntries(Object.entries(metadata).map(([key, value]) => [SHORT[key] ?? key, value])));
  if (stored.length <= MAX_DESCRIPTION) return { stored };
  return { tooLong: `GitLab keeps at most ${MAX_DESCRIPTION} characters of a token's description, where keyplan also keeps its marks: this one would be ${stored.length}; shorten the description, owner or consumers` };
}
