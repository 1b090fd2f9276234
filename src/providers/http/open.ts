import { KeyplanError } from '../../core/errors.js';
import { Secret } from '../../core/secret.js';
import type { ProviderOpener } from '../built-in.js';
import { transport } from '../settings-fields.js';
import { HttpProvider } from './http.js';
import type { HttpSettings } from './index.js';

export const openHttp: ProviderOpener = (config, options) => {
  const settings = config.settings as unknown as HttpSettings;
  return new HttpProvider({
    name: config.name,
    url: settings.url,
    token: readToken(config.name, settings, options.env),
    tokenEnv: settings.tokenEnv,
    ...transport(options, settings.timeoutMs),
  });
};

function readToken(name: string, settings: HttpSettings, env: NodeJS.ProcessEnv): Secret {
  const value = env[settings.tokenEnv]?.trim();
  if (!value) {
    throw new KeyplanError(
      `provider "${name}" (${settings.url}) needs a key service token in the environment variable ${settings.tokenEnv}, which is not set`,
    );
  }
  return new Secret(value);
}
