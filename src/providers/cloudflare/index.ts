/** The `cloudflare` provider type: its settings' normalizer, and how a `providers:` entry of it opens. */
import type { Dispatcher } from 'undici';
import type { ProviderConfig } from '../../core/model.js';
import type { RetryPolicy } from '../retry.js';
import type { Provider } from '../provider.js';
import { CloudflareProvider } from './provider.js';
import type { CloudflareSettings } from './settings.js';

export { normalizeCloudflare, type CloudflareSettings } from './settings.js';
export { CLOUDFLARE_CAPABILITIES } from './capabilities.js';

/** HTTP transport options (see src/providers/index.ts). */
export interface CloudflareTransport {
  env: NodeJS.ProcessEnv;
  dispatcher?: Dispatcher;
  sleep?: (ms: number) => Promise<void>;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
}

export function openCloudflare(config: ProviderConfig, options: CloudflareTransport): Provider {
  const settings = config.settings as unknown as CloudflareSettings;
  return new CloudflareProvider({
    name: config.name,
    apiUrl: settings.apiUrl,
    tokenEnv: settings.tokenEnv,
    env: options.env,
    ...(settings.accountId === undefined ? {} : { accountId: settings.accountId }),
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
