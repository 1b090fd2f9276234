/**
 * `type: cloudflare` in keys.yaml (pure, light: no provider code is loaded). The token comes from
 * CLOUDFLARE_API_TOKEN, as Terraform's Cloudflare provider and wrangler read it; `account_id` selects
 * account-owned tokens (else the user's own tokens); `api_url` points at a proxy or a stand-in.
 */
import type { ProviderNormalizer } from '../../core/config.js';
import { asString } from '../../core/config-source.js';
import { readDuration } from '../../core/config-values.js';
import type { Millis } from '../../core/model.js';

export const CLOUDFLARE_API_URL = 'https://api.cloudflare.com/client/v4';
export const CLOUDFLARE_TOKEN_ENV = 'CLOUDFLARE_API_TOKEN';

export interface CloudflareSettings {
  apiUrl: string;
  tokenEnv: string;
  /** Account-owned tokens of this account; undefined: the tokens of the user the token belongs to. */
  accountId?: string;
  timeoutMs?: Millis;
}

export const normalizeCloudflare: ProviderNormalizer = ({ entry, doc, path, issues }) => {
  const accountId = asString(entry.account_id);
  const timeoutMs = readDuration(doc, [...path, 'timeout'], entry.timeout, issues);
  return {
    apiUrl: (asString(entry.api_url) ?? CLOUDFLARE_API_URL).replace(/\/+$/, ''),
    tokenEnv: asString(entry.token_env) ?? CLOUDFLARE_TOKEN_ENV,
    ...(accountId === undefined ? {} : { accountId }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  } satisfies CloudflareSettings;
};
