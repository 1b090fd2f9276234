/** How a `providers:` entry of type cloudflare opens (imported only when one is opened). */
import type { ProviderConfig } from '../../core/model.js';
import type { Provider } from '../provider.js';
import { transportFields, type ProviderTransport } from '../transport-options.js';
import { CloudflareProvider } from './provider.js';
import type { CloudflareSettings } from './settings.js';


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
