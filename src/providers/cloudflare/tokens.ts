/** A Cloudflare API token as keyplan reads it. No I/O here. */
import type { RemoteKey } from '../../core/model.js';
import { CREATE_TAG, splitNameTag } from './name-tag.js';
import type { PermissionCatalog } from './permission-groups.js';
import { resourcesOf, rolesOf, type TokenPolicy } from './policies.js';

/** `iam_token_base` of Cloudflare's description (no value). */
export interface CloudflareToken {
  id: string;
  name: string;
  status?: 'active' | 'disabled' | 'expired';
  issued_on?: string;
  modified_on?: string;
  expires_on?: string | null;
  not_before?: string | null;
  last_used_on?: string | null;
  policies?: TokenPolicy[];
  condition?: { request_ip?: { in?: string[]; not_in?: string[] } };
}

export function toRemoteKey(token: CloudflareToken, catalog: PermissionCatalog, now: number, accountId?: string): RemoteKey {
  const { name, description, metadata } = splitNameTag(token.name);
  const { [CREATE_TAG]: _create, ...visible } = metadata;
  const createdAt = timeOf(token.issued_on) ?? 0;
  let expiresAt = timeOf(token.expires_on);
  // Cloudflare marks a token expired; it is past its expiry whatever the date says.
  if (token.status === 'expired' && (expiresAt === null || expiresAt > now)) expiresAt = timeOf(token.modified_on) ?? createdAt;
  return {
    id: token.id,
    name,
    description,
    roles: rolesOf(token.policies, catalog),
    prefix: '',
    createdAt,
    expiresAt,
    lastUsedAt: timeOf(token.last_used_on),
    revokedAt: null,
    metadata: visible,
    etag: token.modified_on ?? token.issued_on ?? '',
    ...providerFieldsOf(token, accountId),
  };
}

/** `cloudflare: {resources, condition}` as a key would write them; only what differs from the defaults. */
function providerFieldsOf(token: CloudflareToken, accountId: string | undefined): Pick<RemoteKey, 'providerFields'> {
  const resources = resourcesOf(token.policies, accountId);
  const ip = token.condition?.request_ip;
  const requestIp = { ...(ip?.in?.length ? { in: ip.in } : {}), ...(ip?.not_in?.length ? { not_in: ip.not_in } : {}) };
  const condition = Object.keys(requestIp).length > 0 ? { request_ip: requestIp } : undefined;
  if (!resources && !condition) return {};
  return { providerFields: { ...(resources ? { resources } : {}), ...(condition ? { condition } : {}) } };
}

export function createTagOf(token: CloudflareToken): string | undefined {
  return splitNameTag(token.name).metadata[CREATE_TAG];
}

function timeOf(value: string | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  const at = Date.parse(value);
  return Number.isFinite(at) ? at : null;
}
