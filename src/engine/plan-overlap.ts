import { remoteFingerprint } from '../core/fingerprint.js';
import type { DesiredState, ProviderConfig } from '../core/model.js';
import type { ProviderSnapshot } from '../core/plan.js';
import { readProvidersEarly } from '../io/early-providers.js';
import { loadConfigOffThread } from '../io/load-config-off-thread.js';
import { listsWithoutSideEffects, type OpenProviderOptions } from '../providers/index.js';
import { openProviders, readSnapshots, selectProviderNames, type OpenedProviders } from './providers.js';

/**
 * Below this size (a root file without `include:`; about 700 keys) the config loads in about the time a worker
 * thread costs to start (some 40 ms of CPU), so plan runs the two halves one after the other.
 */
export const OVERLAP_MIN_BYTES = 64 * 1024;

export interface ConfigAndSnapshots {
  state: DesiredState;
  /** Present when the keys were listed while the config loaded; else the caller reads the providers itself. */
  read?: { snapshots: Record<string, ProviderSnapshot>; descriptions: Record<string, string> };
}

/**
 * The config and the remote keys, the two overlapped: the root file's `providers:` are read first, listing starts
 * at once, and the key files load on a worker thread while the pages arrive. Errors come in the order they
 * always did (config, then --provider, then opening and listing). Only providers whose type declares that listing
 * has no side effects start early (a read over the network), while opening a local store creates its file, which an
 * invalid config must not do.
 * When the full load's providers differ from the early read, the early listing is dropped.
 */
export async function loadConfigAndList(
  configPath: string,
  only: string | undefined,
  now: number,
  providerOptions: OpenProviderOptions,
): Promise<ConfigAndSnapshots> {
  const early = await readProvidersEarly(configPath, { minBytes: OVERLAP_MIN_BYTES });
  const names = early && earlyNames(early, only);
  if (!early || !names) {
    const { loadConfig } = await import('../io/load-config.js');
    return { state: await loadConfig(configPath, { now }) };
  }
  // The worker first: its start (a new isolate, its modules) then overlaps the main thread's loading of undici.
  const loading = loadConfigOffThread(configPath, { now });
  let opened: OpenedProviders | undefined;
  const listing = (async () => {
    opened = await openProviders({ providers: early }, names, providerOptions);
    const snapshots = await readSnapshots(opened.providers);
    // Listing usually ends before the key files are loaded: the fingerprint is hashed in that wait, not after it.
    for (const snapshot of Object.values(snapshots)) snapshot.fingerprint = remoteFingerprint(snapshot.keys);
    return snapshots;
  })();
  listing.catch(() => undefined); // settled below, after the config's own errors
  try {
    const state = await loading;
    const chosen = selectProviderNames(state, only);
    if (!sameProviders(names, chosen, early, state.providers)) return { state };
    const snapshots = await listing;
    const descriptions = Object.fromEntries([...(opened as OpenedProviders).providers].map(([name, p]) => [name, p.description]));
    return { state, read: { snapshots, descriptions } };
  } finally {
    await opened?.close();
    await listing.catch(() => undefined);
  }
}

/** The providers to list early: all declared (or the one --provider names), when listing every one only reads. */
function earlyNames(early: Record<string, ProviderConfig>, only: string | undefined): string[] | undefined {
  const names = Object.keys(early).sort();
  const chosen = only === undefined ? names : names.filter((name) => name === only);
  if (chosen.length === 0 || chosen.some((name) => !listsWithoutSideEffects(early[name]?.type ?? ''))) return undefined;
  return chosen;
}

function sameProviders(
  names: readonly string[],
  chosen: readonly string[],
  early: Record<string, ProviderConfig>,
  loaded: Record<string, ProviderConfig>,
): boolean {
  return names.length === chosen.length && names.every((name, i) => name === chosen[i] && JSON.stringify(early[name]) === JSON.stringify(loaded[name]));
}
