import type { ProviderCapabilities, ProviderTraits } from '../core/model.js';

/**
 * How keyplan's own key service behaves, through `local` (the store in-process) or `http` (`keyplan serve`):
 * native metadata, idempotency keys, revoked keys kept and listed, last use written at most once a minute
 * per key (LastUseTracker), no re-issue of a key's secret in place.
 */
export const KEY_SERVICE_TRAITS: ProviderTraits = {
  ownershipMarker: 'metadata',
  expiryFromCreation: true,
  createRecovery: 'idempotency-key',
  listsRevoked: true,
  lastUseResolutionMs: 60_000,
  reissueInPlace: false,
};

/** The key service's capabilities with its default configuration (`keyplan serve` without --roles); a service reports its own. */
export const KEY_SERVICE_CAPABILITIES: ProviderCapabilities = {
  editableFields: ['name', 'description', 'roles', 'metadata'],
  expiration: { mode: 'any', maxMs: null, allowsNever: true },
  metadata: true,
  ...KEY_SERVICE_TRAITS,
};
