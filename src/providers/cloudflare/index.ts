/** The `cloudflare` provider type: its settings' normalizer, and how a `providers:` entry of it opens. */
import type { ProviderConfig } from '../../core/model.js';
import type { Provider } from '../provider.js';
import { transportFields, type ProviderTransport } from '../transport-options.js';
import { CloudflareProvider } from './provider.js';
import type { CloudflareSettings } from './settings.js';

export { normalizeCloudflare, type CloudflareSettings } from './settings.js';
export { CLOUDFLARE_CAPABILITIES } from './capabilities.js';

export function openCloudflare(config: ProviderConfig, options: ProviderTransport): Provider {
  const settings = config.settings as unknown as CloudflareSettings;
  return new CloudflareProvider({
    name: config.name,
    apiUrl: settings.apiUrl,
    tokenEnv: settings.tokenEnv,
    env: options.env,
    ...(settings.accountId === undefined ? {} : { accountId: settings.accountId }),
    ...transportFields(options, settings.timeoutMs),
  });
}
