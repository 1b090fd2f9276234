import { ProviderError, UsageError } from '../core/errors.js';
import type { DesiredState } from '../core/model.js';
import type { ProviderSnapshot } from '../core/plan.js';
import { openProvider, type OpenProviderOptions, type Provider } from '../providers/index.js';

export type { OpenProviderOptions };

/** The providers a command works on: every declared one, or the one `--provider` names. */
export function selectProviderNames(state: DesiredState, only: string | undefined): string[] {
  const names = Object.keys(state.providers).sort();
  if (only === undefined) return names;
  if (!names.includes(only)) throw new UsageError(`--provider ${only}: no such provider in the config; declared: ${names.join(', ')}`);
  return [only];
}

export interface OpenedProviders {
  providers: Map<string, Provider>;
  close(): Promise<void>;
}

/** Opens the named providers (loading each type's code once); when one fails, those opened are closed. */
export async function openProviders(state: Pick<DesiredState, 'providers'>, names: readonly string[], options: OpenProviderOptions): Promise<OpenedProviders> {
  const providers = new Map<string, Provider>();
  const close = async () => {
    await Promise.allSettled([...providers.values()].map((p) => p.close()));
  };
  try {
    for (const name of names) providers.set(name, await openProvider(state.providers[name] as NonNullable<DesiredState['providers'][string]>, options));
  } catch (error) {
    void close();
    throw error;
  }
  return { providers, close };
}

/**
 * Reads each provider's keys (revoked ones too: the plan explains a re-create with them, and its idempotency
 * keys then never match an earlier create), capabilities and roles, all providers at once.
 */
export async function readSnapshots(providers: ReadonlyMap<string, Provider>): Promise<Record<string, ProviderSnapshot>> {
  const entries = await Promise.all(
    [...providers].map(async ([name, provider]) => {
      const [keys, capabilities, roles, self] = await Promise.all([
        provider.list({ includeRevoked: true }),
        provider.capabilities(),
        provider.roles(),
        provider.identity?.(),
      ]).catch((error: unknown) => {
        throw namingProvider(error, name);
      });
      const snapshot: ProviderSnapshot = { keys, capabilities, roles, ...(self ? { self } : {}) };
      return [name, snapshot] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export async function withProviders<T>(
  state: DesiredState,
  names: readonly string[],
  options: OpenProviderOptions,
  work: (providers: ReadonlyMap<string, Provider>) => Promise<T>,
): Promise<T> {
  const opened = await openProviders(state, names, options);
  try {
    return await work(opened.providers);
  } finally {
    await opened.close();
  }
}

/** A service that gave no answer at all (unreachable, timed out): the error says which provider of keys.yaml it is. */
function namingProvider(error: unknown, name: string): unknown {
  if (!(error instanceof ProviderError) || error.status !== undefined || error.message.startsWith('provider ')) return error;
  return new ProviderError(`provider ${name}: ${error.message}`, undefined, error.code, error.kind);
}
