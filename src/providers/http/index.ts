/** `type: http`: a keyplan key service (`keyplan serve`) reached over HTTP. */
import type { ProviderNormalizer } from '../../core/config.js';
import { asString } from '../../core/config-source.js';
import type { Millis } from '../../core/model.js';
import { defineBuiltInProvider } from '../built-in.js';
import { KEY_SERVICE_CAPABILITIES } from '../key-service-traits.js';
import { envVarProperty, TIMEOUT_PROPERTY, timeout, urlProperty } from '../settings-fields.js';

export interface HttpSettings {
  url: string;
  tokenEnv: string;
  timeoutMs?: Millis;
}

const normalize: ProviderNormalizer = (ctx) => {
  const url = asString(ctx.entry.url);
  const tokenEnv = asString(ctx.entry.token_env);
  if (!url || !tokenEnv) return undefined;
  return { url, tokenEnv, ...timeout(ctx) } satisfies HttpSettings;
};

export default defineBuiltInProvider({
  type: 'http',
  settings: {
    title: 'A keyplan key service reached over HTTP.',
    required: ['url', 'token_env'],
    properties: {
      url: urlProperty('Base URL of the key service, e.g. https://keys.example.com.'),
      token_env: envVarProperty('The environment variable holding the management key keyplan authenticates with. The key itself never goes in this file.'),
      timeout: TIMEOUT_PROPERTY,
    },
  },
  normalize,
  capabilities: { declared: KEY_SERVICE_CAPABILITIES, source: 'service' },
  // Listing is a read over the network: plan starts it while the key files load.
  traits: { listingHasNoSideEffects: true },
  async open() {
    return (await import('./open.js')).openHttp;
  },
});
