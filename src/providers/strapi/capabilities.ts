import type { ProviderCapabilities } from '../../core/model.js';
import { EXPIRY_PRESETS } from './tokens.js';

/** Strapi writes lastUsedAt at most once an hour. */
export const STRAPI_LAST_USE_RESOLUTION_MS = 3_600_000;

export const STRAPI_CAPABILITIES: ProviderCapabilities = {
  editableFields: ['name', 'description', 'roles', 'metadata'],
  expiration: { mode: 'presets', presets: EXPIRY_PRESETS },
  // Strapi has no metadata: keyplan's marks are a tag in the description (description-tag.ts), read back as metadata.
  metadata: true,
  ownershipMarker: 'description-tag',
  expiryFromCreation: true,
  createRecovery: 'find-and-reissue',
  listsRevoked: false,
  lastUseResolutionMs: STRAPI_LAST_USE_RESOLUTION_MS,
  reissueInPlace: true,
};
