import type { ProviderCapabilities } from '../../core/model.js';

/**
 * Cloudflare edits a token's name, policies and condition in place (`PUT …/tokens/{id}`), so renames, role
 * changes, keyplan's marks (kept in the name, see name-tag.ts) and `cloudflare: {resources, condition}` are updates; an expiry is set at creation. Revoked
 * tokens are deleted, so none are listed. A lost create is found by its create tag and its value rolled
 * (`PUT …/value`): nobody holds the first value. Cloudflare does not say how often it writes
 * `last_used_on`; an hour is assumed.
 */
export const CLOUDFLARE_CAPABILITIES: ProviderCapabilities = {
  editableFields: ['name', 'description', 'roles', 'metadata'],
  expiration: { mode: 'any', maxMs: null, allowsNever: true },
  metadata: true,
  ownershipMarker: 'name-prefix',
  expiryFromCreation: true,
  createRecovery: 'find-and-reissue',
  listsRevoked: false,
  lastUseResolutionMs: 3_600_000,
  reissueInPlace: true,
  editableProviderFields: ['resources', 'condition'],
  serviceName: 'Cloudflare',
};
