import type { Capabilities, Role } from '../../core/model.js';
import { parseDuration } from '../../core/duration.js';

/** Fields a key service can edit in place (expiry never is: a new expiry means a new key). */
export const IN_PLACE_FIELDS = ['name', 'description', 'roles', 'metadata'] as const;
export type InPlaceField = (typeof IN_PLACE_FIELDS)[number];

export type ExpirationConfig =
  /** Any duration or date up to `max` (a duration text, null: no maximum); `never` when allowsNever. */
  | { mode: 'any'; max: string | null; allowsNever: boolean }
  /** Only these presets, e.g. ['14d', '30d', '90d', 'never']. */
  | { mode: 'presets'; presets: string[] };

export interface CapabilitiesConfig {
  editableFields: InPlaceField[];
  expiration: ExpirationConfig;
}

export const DEFAULT_ROLES: readonly Role[] = [
  { name: 'ADMIN', description: 'Everything: manage keys, roles, the shared secret and events.', permissions: ['*'] },
  { name: 'READONLY', description: 'Read keys and roles.', permissions: ['keys:read', 'roles:read'] },
];

export const DEFAULT_CAPABILITIES: CapabilitiesConfig = {
  editableFields: [...IN_PLACE_FIELDS],
  expiration: { mode: 'any', max: null, allowsNever: true },
};

/** The core's view of the capabilities: durations in milliseconds. */
export function toCoreCapabilities(config: CapabilitiesConfig): Capabilities {
  const expiration = config.expiration;
  return {
    editableFields: [...config.editableFields],
    expiration:
      expiration.mode === 'presets'
        ? { mode: 'presets', presets: [...expiration.presets] }
        : { mode: 'any', maxMs: expiration.max === null ? null : (parseDuration(expiration.max) ?? null), allowsNever: expiration.allowsNever },
    metadata: true,
  };
}
