/** `type: cloudflare`: Cloudflare API tokens, the user's own or an account's, read with CLOUDFLARE_API_TOKEN. */
import { defineBuiltInProvider } from '../built-in.js';
import { envVarProperty, TIMEOUT_PROPERTY, urlProperty } from '../settings-fields.js';
import { CLOUDFLARE_CAPABILITIES } from './capabilities.js';
import { normalizeCloudflare } from './settings.js';

const ID = { type: 'string', pattern: '^[0-9a-f]{32}$' };
const CIDR = { description: 'An IPv4 or IPv6 address or range, e.g. 203.0.113.0/24.', type: 'string', pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' };

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
  keyFields: {
    description: 'What only a Cloudflare API token has: the resources its permission groups are granted on, and the client IPs it may be used from. Cloudflare edits both in place.',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        resources: {
          description: 'Where the permission groups apply. Default: every zone and account the token can reach (for an account-owned token, its account and every zone in it).',
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            zones: { description: 'Zone ids: zone-scoped permission groups apply to these zones only.', type: 'array', minItems: 1, uniqueItems: true, items: ID },
            accounts: {
              description: 'Account ids (user tokens only): account-scoped groups apply to these accounts, and zone-scoped ones to their zones unless zones is given.',
              type: 'array',
              minItems: 1,
              uniqueItems: true,
              items: ID,
            },
          },
        },
        condition: {
          description: 'Where the token may be used from.',
          type: 'object',
          additionalProperties: false,
          required: ['request_ip'],
          properties: {
            request_ip: {
              description: 'Client IP ranges the token is limited to (in) or refused from (not_in).',
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              properties: {
                in: { description: 'Client IP ranges (CIDR) the token works from.', type: 'array', minItems: 1, uniqueItems: true, items: CIDR },
                not_in: { description: 'Client IP ranges (CIDR) the token is refused from.', type: 'array', minItems: 1, uniqueItems: true, items: CIDR },
              },
            },
          },
        },
      },
    },
  },
  normalize: normalizeCloudflare,
  capabilities: { declared: CLOUDFLARE_CAPABILITIES, source: 'provider' },
  traits: { listingHasNoSideEffects: true },
  async open() {
    return (await import('./open.js')).openCloudflare;
  },
});
