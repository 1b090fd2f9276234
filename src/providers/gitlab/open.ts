/** How a `providers:` entry of type gitlab opens (imported only when one is opened). */
import type { ProviderConfig } from '../../core/model.js';
import type { Provider } from '../provider.js';
import type { OpenProviderOptions } from '../built-in.js';
import { transport } from '../settings-fields.js';
import { GitLabProvider } from './provider.js';
import type { GitLabSettings } from './settings.js';


export function openGitLab(config: ProviderConfig, options: OpenProviderOptions): Provider {
  const settings = config.settings as unknown as GitLabSettings;
  return new GitLabProvider({
    name: config.name,
    url: settings.url,
    tokenEnv: settings.tokenEnv,
    target: settings.target,
    maxLifetimeMs: settings.maxLifetimeMs,
    expiryRequired: settings.expiryRequired,
    env: options.env,
    ...transport(options, settings.timeoutMs),
  });
}
