import type { ProviderCapabilities } from '../../core/model.js';
import type { GitLabSettings } from './settings.js';

/**
 * GitLab edits nothing of a token in place (only revoke and rotate exist), so every change is a rotation whose
 * replacement carries the retirement of the token it replaces (create-before-revoke, as for Keystone). Expiry is
 * a date after today (so at least a day out), at most the instance's maximum lifetime out, and required unless
 * the instance says otherwise. Revoked tokens stay listed by GitLab but are not live keys. A lost create is found
 * by its create tag and replaced (rotate gives it a new id). GitLab writes `last_used_at` at most every 10 minutes.
 */
export function gitlabCapabilities(settings: Pick<GitLabSettings, 'maxLifetimeMs' | 'expiryRequired'>): ProviderCapabilities {
  return {
    editableFields: [],
    expiration: {
      mode: 'any',
      maxMs: settings.maxLifetimeMs,
      allowsNever: !settings.expiryRequired,
      minMs: 86_400_000,
      limits: {
        max: "GitLab's maximum access token lifetime (max_token_lifetime)",
        min: 'the first date GitLab accepts (tokens expire on a date, which must be after today)',
        never: 'GitLab requires access tokens to expire (expiry_required: true, GitLab\'s default)',
      },
    },
    metadata: true,
    ownershipMarker: 'description-tag',
    expiryFromCreation: true,
    createRecovery: 'find-and-reissue',
    listsRevoked: false,
    lastUseResolutionMs: 600_000,
    reissueInPlace: false,
    retireMarks: 'on-replacement',
    serviceName: 'GitLab',
  };
}
