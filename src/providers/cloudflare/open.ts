/** How a `providers:` entry of type cloudflare opens (imported only when one is opened). */
import type { ProviderConfig } from '../../core/model.js';
import type { Provider } from '../provider.js';
import type { OpenProviderOptions } from '../built-in.js';
import { transport } from '../settings-fields.js';
import { CloudflareProvider } from './provider.js';
import type { CloudflareSettings } from './settings.js';


export function openCloudflare(config: ProviderConfig, options: OpenProviderOptions): Provider {
  const settings = config.settings as unknown as CloudflareSettings;
  return new CloudflareProvider({
    name: config.name,
    apiUrl: settings.apiUrl,
    tokenEnv: settings.tokenEnv,
    env: options.env,
    ...(settings.accountId === undefined ? {} : { accountId: settings.accountId }),
    ...transport(options, settings.timeoutMs),
  });
}
