/**
 * A GitLab access token as keyplan reads it. keyplan's marks go in a tag at the end of the token's
 * description (as for Strapi, see ../strapi/description-tag.ts), with three hidden entries: the create tag
 * of a create (to find a lost one again), whether an access level was written, and the exact expiry asked
 * for (GitLab keeps a date). No I/O here.
 */
import type { RemoteKey } from '../../core/model.js';
import { joinDescription, splitDescription } from '../description-tag.js';
import { rolesOf } from './scopes.js';

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
const HIDDEN = [CREATE_TAG, LEVEL_TAG, EXPIRY_TAG];
/** GitLab keeps at most 255 characters of a description. */
export const MAX_DESCRIPTION = 255;

export function toRemoteKey(token: GitLabToken): RemoteKey {
  const { description, metadata } = splitDescription(token.description);
  const visible = Object.fromEntries(Object.entries(metadata).filter(([key]) => !HIDDEN.includes(key)));
  return {
    id: String(token.id),
    name: token.name,
    description,
    roles: rolesOf(token.scopes, token.access_level, metadata[LEVEL_TAG] !== undefined),
    prefix: '',
    createdAt: Date.parse(token.created_at),
    expiresAt: expiresAtOf(token.expires_at, metadata[EXPIRY_TAG]),
    lastUsedAt: token.last_used_at ? Date.parse(token.last_used_at) : null,
    revokedAt: null,
    metadata: visible,
    etag: token.created_at,
  };
}

export function hiddenTag(token: GitLabToken, key: string): string | undefined {
  return splitDescription(token.description).metadata[key];
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
  const stored = joinDescription(description, metadata);
  if (stored.length <= MAX_DESCRIPTION) return { stored };
  return { tooLong: `GitLab keeps at most ${MAX_DESCRIPTION} characters of a token's description, where keyplan also keeps its marks: this one would be ${stored.length}; shorten the description, owner or consumers` };
}
