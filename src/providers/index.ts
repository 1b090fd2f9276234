/** Opens the provider a keys.yaml `providers:` entry describes. */
import type { Dispatcher } from 'undici';
import { KeyplanError } from '../core/errors.js';
import type { ProviderConfig } from '../core/model.js';
import { Secret } from '../core/secret.js';
import { HttpProvider } from './http.js';
import { LocalProvider } from './local.js';
import type { Provider } from './provider.js';
import type { RetryPolicy } from './retry.js';

export type { CreateKeyInput, CreatedKey, Provider, UpdateKeyInput } from './provider.js';

export interface OpenProviderOptions {
  /** Where `token_env` and KEYPLAN_PEPPER are read. */
  env: NodeJS.ProcessEnv;
  /** http: the undici dispatcher to send through (tests inject a MockAgent). */
  dispatcher?: Dispatcher;
  /** http: how to wait between retries (tests record instead of waiting). */
  sleep?: (ms: number) => Promise<void>;
  /** http: retry limits, e.g. `{ maxAttempts: 1 }`. */
  retry?: Partial<RetryPolicy>;
  /** The clock: Retry-After dates for http, key times for local. */
  now?: () => number;
}

export function openProvider(config: ProviderConfig, options: OpenProviderOptions): Provider {
  switch (config.type) {
    case 'local': {
      const pepper = options.env.KEYPLAN_PEPPER;
      return LocalProvider.open({
        name: config.name,
        path: config.path,
        ...(pepper ? { pepper } : {}),
        ...(options.now ? { clock: options.now } : {}),
      });
    }
    case 'http':
      return new HttpProvider({
        name: config.name,
        url: config.url,
        token: readToken(config, options.env),
        tokenEnv: config.tokenEnv,
        ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
  }
}

function readToken(config: Extract<ProviderConfig, { type: 'http' }>, env: NodeJS.ProcessEnv): Secret {
  const value = env[config.tokenEnv]?.trim();
  if (!value) {
    throw new KeyplanError(
      `provider "${config.name}" (${config.url}) needs a key service token in the environment variable ${config.tokenEnv}, which is not set`,
    );
  }
  return new Secret(value);
}
