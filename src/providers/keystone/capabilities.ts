import type { ProviderCapabilities } from '../../core/model.js';

/**
 * Keystone application credentials: nothing can be edited (no PATCH or PUT), so every change is a rotation, whose
 * replacement carries the retirement of the key it replaces (there is nowhere else to write it); any expiry in
 * UTC, or none; no last use recorded; deleted credentials are gone from the list.
 */
export const KEYSTONE_CAPABILITIES: ProviderCapabilities = {
  editableFields: [],
  expiration: { mode: 'any', maxMs: null, allowsNever: true },
  metadata: true,
  ownershipMarker: 'description-tag',
  expiryFromCreation: true,
  createRecovery: 'find-and-replace',
  listsRevoked: false,
  lastUseResolutionMs: 0,
  lastUse: 'not-recorded',
  retireMarks: 'on-replacement',
  reissueInPlace: false,
  serviceName: 'Keystone',
};
