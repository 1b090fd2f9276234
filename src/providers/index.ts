/** Opens the provider a keys.yaml `providers:` entry describes: one opener per provider type. */
import type { Dispatcher } from 'undici';
import { KeyplanError } from '../core/errors.js';
import type { ProviderConfig } from '../core/model.js';
import { Secret } from '../core/secret.js';
import { HttpProvider } from './http.js';
import { LocalProvider } from './local.js';
import type { HttpSettings, LocalSettings, PackageSettings, StrapiSettings } from './normalizers.js';
import { PackageProvider } from './package-provider.js';
import type { Provider } from './provider.js';
import type { RetryPolicy } from './retry.js';
import { StrapiProvider } from './strapi/strapi.js';
import { openCloudflare } from './cloudflare/index.js';
import { openGitLab } from './gitlab/index.js';
import { transportFields } from './transport-options.js';

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

type Opener = (config: ProviderConfig, options: OpenProviderOptions) => Provider;

/** HTTP transport options shared by providers that talk to a server. */
function transport(options: OpenProviderOptions, timeoutMs: number | undefined) {
  return transportFields(options, timeoutMs);
}

const OPENERS: Record<string, Opener> = {
  local(config, options) {
    const settings = config.settings as unknown as LocalSettings;
    const pepper = options.env.KEYPLAN_PEPPER;
    return LocalProvider.open({
      name: config.name,
      path: settings.path,
      ...(pepper ? { pepper } : {}),
      ...(options.now ? { clock: options.now } : {}),
    });
  },
  http(config, options) {
    const settings = config.settings as unknown as HttpSettings;
    return new HttpProvider({
      name: config.name,
      url: settings.url,
      token: readToken(config.name, settings, options.env),
      tokenEnv: settings.tokenEnv,
      ...transport(options, settings.timeoutMs),
    });
  },
  package(config, options) {
    const settings = config.settings as unknown as PackageSettings;
    return new PackageProvider({
      name: config.name,
      package: settings.package,
      options: settings.options,
      context: { name: config.name, baseDir: settings.baseDir, env: options.env, now: options.now ?? Date.now },
    });
  },
  strapi(config, options) {
    const settings = config.settings as unknown as StrapiSettings;
    return new StrapiProvider({ name: config.name, url: settings.url, auth: settings.auth, env: options.env, ...transport(options, settings.timeoutMs) });
  },
  cloudflare: openCloudflare,
  gitlab: openGitLab,
};

export function openProvider(config: ProviderConfig, options: OpenProviderOptions): Provider {
  const open = Object.hasOwn(OPENERS, config.type) ? OPENERS[config.type] : undefined;
  if (!open) throw new KeyplanError(`provider "${config.name}": unknown type ${JSON.stringify(config.type)}`);
  return open(config, options);
}

function readToken(name: string, settings: HttpSettings, env: NodeJS.ProcessEnv): Secret {
  const value = env[settings.tokenEnv]?.trim();
  if (!value) {
    throw new KeyplanError(
      `provider "${name}" (${settings.url}) needs a key service token in the environment variable ${settings.tokenEnv}, which is not set`,
    );
  }
  return new Secret(value);
}
