/** `type: cloudflare`: Cloudflare API tokens, the user's own or an account's, read with CLOUDFLARE_API_TOKEN. */
import { defineBuiltInProvider } from '../built-in.js';
import { envVarProperty, TIMEOUT_PROPERTY, urlProperty } from '../settings-fields.js';
import { CLOUDFLARE_CAPABILITIES } from './capabilities.js';
import { normalizeCloudflare } from './settings.js';

export default defineBuiltInProvider({
  type: 'cloudflare',
  settings: {
    title: "Cloudflare API tokens: the user's own (/user/tokens), or an account's (/accounts/{account_id}/tokens) with account_id.",
    properties: {
      token_env: envVarProperty(
        'The environment variable holding the Cloudflare API token keyplan runs with. Default CLOUDFLARE_API_TOKEN, as Terraform\'s Cloudflare provider and wrangler read it. It needs API Tokens Write (user tokens) or Account API Tokens Write (account tokens).',
      ),
      account_id: { description: "Manage this account's account-owned tokens; omitted: the user tokens of the token's user.", type: 'string', pattern: '^[0-9a-f]{32}$' },
      api_url: urlProperty("Base URL of Cloudflare's v4 API, for proxies and tests. Default https://api.cloudflare.com/client/v4."),
      timeout: TIMEOUT_PROPERTY,
    },
  },
  normalize: normalizeCloudflare,
  capabilities: { declared: CLOUDFLARE_CAPABILITIES, source: 'provider' },
  traits: { listingHasNoSideEffects: true },
  async open() {
    return (await import('./open.js')).openCloudflare;
  },
});
