/**
 * Strapi 5 API tokens as keyplan keys: roles to token types and permissions, lifespans to expiry
 * presets, the description tag to metadata. No I/O here.
 */
import type { Expiry, RemoteKey, Role } from '../../core/model.js';
import { joinDescription, splitDescription } from '../description-tag.js';

/** An API token as `GET /admin/api-tokens` lists it (no secret). */
export interface StrapiToken {
  id: number | string;
  kind?: string;
  name: string;
  description: string | null;
  type: 'read-only' | 'full-access' | 'custom';
  lifespan: string | number | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  updatedAt: string;
  permissions: string[];
}

export const READ_ONLY = 'read-only';
export const FULL_ACCESS = 'full-access';

/** The only lifespans Strapi accepts (ms), as keyplan expiry presets. */
export const LIFESPAN_PRESETS: Record<string, number> = { '7d': 604_800_000, '30d': 2_592_000_000, '90d': 7_776_000_000 };
export const EXPIRY_PRESETS = [...Object.keys(LIFESPAN_PRESETS), 'never'];

/** Where keyplan keeps the idempotency key of a create, so a lost create can be found again. Never shown as metadata. */
export const CREATE_TAG = 'keyplan-create';

/** The two tokens every Strapi makes at its first boot; keyplan lists them but never changes them. */
export function isDefaultToken(token: StrapiToken): boolean {
  return (token.name === 'Read Only' || token.name === 'Full Access') && (token.description ?? '').startsWith('A default API token');
}

export function toRemoteKey(token: StrapiToken): RemoteKey {
  const { description, metadata } = splitDescription(token.description);
  const { [CREATE_TAG]: _create, ...visible } = metadata;
  return {
    id: String(token.id),
    name: token.name,
    description,
    roles: rolesOf(token),
    prefix: '',
    createdAt: Date.parse(token.createdAt),
    expiresAt: token.expiresAt === null ? null : Date.parse(token.expiresAt),
    lastUsedAt: token.lastUsedAt === null ? null : Date.parse(token.lastUsedAt),
    revokedAt: null,
    metadata: visible,
    etag: token.updatedAt,
  };
}

export function createTagOf(token: StrapiToken): string | undefined {
  return splitDescription(token.description).metadata[CREATE_TAG];
}

export function rolesOf(token: StrapiToken): string[] {
  if (token.type === 'custom') return [...token.permissions].sort();
  return [token.type];
}

export type TokenAccess = { type: 'read-only' | 'full-access' } | { type: 'custom'; permissions: string[] };

/** keys.yaml roles -> a token type: `read-only`, `full-access`, or content-API actions (a custom token). */
export function accessFor(roles: readonly string[]): TokenAccess {
  if (roles.length === 1 && (roles[0] === READ_ONLY || roles[0] === FULL_ACCESS)) return { type: roles[0] };
  if (roles.includes(READ_ONLY) || roles.includes(FULL_ACCESS)) {
    throw new RangeError(`roles ${roles.join(', ')}: read-only and full-access are whole token types; use one alone, or only content-API actions`);
  }
  return { type: 'custom', permissions: [...roles].sort() };
}

/** Strapi's lifespan (ms) for an expiry; null is "unlimited". */
export function lifespanFor(expires: Expiry | undefined): number | null {
  if (expires === undefined || expires.kind === 'never') return null;
  const preset = expires.kind === 'relative' ? Object.values(LIFESPAN_PRESETS).find((ms) => ms === expires.ms) : undefined;
  if (preset === undefined) throw new RangeError(`Strapi accepts only expires: ${EXPIRY_PRESETS.join(', ')} (counted from creation), not ${expires.text}`);
  return preset;
}

/** The stored description: the written one with keyplan's tag (and a create's idempotency key) at the end. */
export function storedDescription(description: string, metadata: Record<string, string>, createTag?: string): string {
  return joinDescription(description, createTag === undefined ? metadata : { ...metadata, [CREATE_TAG]: createTag });
}

/**
 * `GET /admin/content-api/permissions` -> roles: the two whole types, then one role per action
 * (`api::note.note.find`). read-only grants every find/findOne action, full-access every action.
 */
export function rolesFromPermissions(body: unknown): Role[] {
  const actions: string[] = [];
  const data = (body as { data?: unknown } | undefined)?.data;
  if (data && typeof data === 'object') {
    for (const [api, value] of Object.entries(data as Record<string, unknown>)) {
      const controllers = (value as { controllers?: unknown } | null)?.controllers;
      if (!controllers || typeof controllers !== 'object') continue;
      for (const [controller, list] of Object.entries(controllers as Record<string, unknown>)) {
        if (Array.isArray(list)) for (const action of list) if (typeof action === 'string') actions.push(`${api}.${controller}.${action}`);
      }
    }
  }
  actions.sort();
  const reads = actions.filter((action) => /\.(find|findOne)$/.test(action));
  return [
    { name: READ_ONLY, description: 'Strapi read-only token: find and findOne on every content type', permissions: reads },
    { name: FULL_ACCESS, description: 'Strapi full-access token: every content-API action', permissions: actions },
    ...actions.map((action) => ({ name: action, description: `custom token permission ${action}`, permissions: [action] })),
  ];
}
