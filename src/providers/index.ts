/** Opens the provider a keys.yaml `providers:` entry describes, through its type's folder (registry.ts). */
import { KeyplanError } from '../core/errors.js';
import type { ProviderConfig } from '../core/model.js';
import type { OpenProviderOptions } from './built-in.js';
import type { Provider } from './provider.js';
import { builtInProvider } from './registry.js';

export type { CreateKeyInput, CreatedKey, Provider, UpdateKeyInput } from './provider.js';
export type { OpenProviderOptions } from './built-in.js';

/** Loads the type's opener (only the types a config uses are ever imported) and opens the provider. */
export async function openProvider(config: ProviderConfig, options: OpenProviderOptions): Promise<Provider> {
  const type = builtInProvider(config.type);
  if (!type) throw new KeyplanError(`provider "${config.name}": unknown type ${JSON.stringify(config.type)}`);
  const open = await type.open();
  return open(config, options);
}

/** Whether listing a provider of this type only reads: plan may then start it early (engine/plan-overlap.ts). */
export function listsWithoutSideEffects(type: string): boolean {
  return builtInProvider(type)?.traits.listingHasNoSideEffects === true;
}
