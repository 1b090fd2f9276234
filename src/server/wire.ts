import type { CapabilitiesConfig } from '../store/config/service-config.js';
import type { StoreEvent, StoreKey } from '../store/contract.js';

export const MAX_PAGE_SIZE = 1000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

export function etagOf(key: StoreKey): string {
  return `"${key.version}"`;
}

export function wireKey(key: StoreKey) {
  return {
    id: key.id,
    name: key.name,
    description: key.description,
    roles: key.roles,
    prefix: key.prefix,
    created_at: iso(key.createdAt),
    expires_at: isoOrNull(key.expiresAt),
    last_used_at: isoOrNull(key.lastUsedAt),
    revoked_at: isoOrNull(key.revokedAt),
    metadata: key.metadata,
    etag: etagOf(key),
  };
}

export function wireKeySummary(key: StoreKey) {
  return { id: key.id, name: key.name, roles: key.roles };
}

export function wireEvent(event: StoreEvent) {
  return {
    id: String(event.id),
    at: iso(event.at),
    actor: event.actor,
    action: event.action,
    ...(event.keyId !== null ? { key_id: event.keyId } : {}),
    ...(event.details !== null ? { details: event.details } : {}),
  };
}

export function wireCapabilities(config: CapabilitiesConfig) {
  const expiration = config.expiration;
  return {
    editable_fields: config.editableFields,
    expiration:
      expiration.mode === 'presets'
        ? { mode: 'presets', presets: expiration.presets }
        : { mode: 'any', max: expiration.max, allows_never: expiration.allowsNever },
    metadata: true,
    max_page_size: MAX_PAGE_SIZE,
    leases: true,
  };
}
