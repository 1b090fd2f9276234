/** `type: gitlab`: GitLab personal, project and group access tokens, read with GITLAB_TOKEN. */
import { defineBuiltInProvider } from '../built-in.js';
import { envVarProperty, TIMEOUT_PROPERTY, urlProperty } from '../settings-fields.js';
import { gitlabCapabilities } from './capabilities.js';
import { ACCESS_LEVELS } from './scopes.js';
import { DEFAULT_MAX_LIFETIME_MS, normalizeGitLab } from './settings.js';

const ID_OR_PATH = ['string', 'integer'];

export default defineBuiltInProvider({
  type: 'gitlab',
  settings: {
    title: "GitLab access tokens: a user's personal access tokens, or a project's or group's access tokens.",
    properties: {
      url: urlProperty('The GitLab instance, e.g. https://gitlab.example.com. Default https://gitlab.com.'),
      token_env: envVarProperty('The environment variable holding the GitLab token keyplan runs with (scope api). Default GITLAB_TOKEN.'),
      user: { description: "Manage this user's personal access tokens (id or username); creating them needs an administrator's token.", type: ID_OR_PATH },
      project: { description: "Manage this project's access tokens (id or full path, e.g. acme/billing-api).", type: ID_OR_PATH },
      group: { description: "Manage this group's access tokens (id or full path, e.g. acme/platform).", type: ID_OR_PATH },
      max_token_lifetime: { $ref: '#/$defs/duration', description: "The instance's maximum access token lifetime. Default 365d (GitLab's default)." },
      expiry_required: { description: "Whether the instance requires tokens to expire (GitLab's default: true).", type: 'boolean' },
      timeout: TIMEOUT_PROPERTY,
    },
  },
  keyFields: {
    description: "What only a GitLab project or group access token has; a change rotates the token (GitLab edits nothing in place).",
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        access_level: {
          description: "The token's role in its project or group. Default maintainer (GitLab's default). Personal access tokens have none.",
          enum: Object.keys(ACCESS_LEVELS),
        },
      },
    },
  },
  normalize: normalizeGitLab,
  capabilities: { declared: gitlabCapabilities({ maxLifetimeMs: DEFAULT_MAX_LIFETIME_MS, expiryRequired: true }), source: 'provider' },
  traits: { listingHasNoSideEffects: true },
  async open() {
    return (await import('./open.js')).openGitLab;
  },
});
