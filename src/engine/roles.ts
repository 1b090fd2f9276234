import type { Role } from '../core/model.js';
import { loadConfig } from '../io/load-config.js';
import type { OpenProviderOptions } from '../providers/index.js';
import { selectProviderNames, withProviders } from './providers.js';

export interface ProviderRoles {
  provider: string;
  roles: Role[];
}

/** `keyplan roles`: the roles each selected provider offers. */
export async function rolesFromConfig(request: { configPath: string; provider?: string; now: number; providerOptions: OpenProviderOptions }): Promise<ProviderRoles[]> {
  const state = await loadConfig(request.configPath, { now: request.now });
  const names = selectProviderNames(state, request.provider);
  return withProviders(state, names, request.providerOptions, (providers) =>
    Promise.all([...providers].map(async ([name, provider]) => ({ provider: name, roles: await provider.roles() }))),
  );
}
