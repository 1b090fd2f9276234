import { loadConfig } from '../io/load-config.js';
import type { OpenProviderOptions } from '../providers/index.js';
import { renderImportYaml } from '../render/import-yaml.js';
import { selectProviderNames, withProviders } from './providers.js';

/** `keyplan import`: YAML declaring the keys of the selected providers that keyplan does not manage yet. */
export async function importFromConfig(request: {
  configPath: string;
  provider?: string;
  now: number;
  providerOptions: OpenProviderOptions;
  /** Also declare keys other ownerships manage, with `take_over:`. */
  takeOver?: boolean;
}): Promise<string> {
  const state = await loadConfig(request.configPath, { now: request.now });
  const names = selectProviderNames(state, request.provider);
  const several = Object.keys(state.providers).length > 1;
  return withProviders(state, names, request.providerOptions, async (providers) => {
    const groups = await Promise.all([...providers].map(async ([name, provider]) => ({ provider: several ? name : undefined, keys: await provider.list() })));
    return renderImportYaml(groups, { ownership: state.ownership, takeOver: request.takeOver === true });
  });
}
