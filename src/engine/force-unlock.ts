import { KeyplanError } from '../core/errors.js';
import { displayPath } from '../io/display-path.js';
import { loadConfig } from '../io/load-config.js';
import { removeLockWithId } from '../io/lock-file.js';
import type { OpenProviderOptions } from '../providers/index.js';
import { applyLockPath } from './apply-lock.js';
import { selectProviderNames, withProviders } from './providers.js';
import { stateDirOf } from './state-dir.js';

export interface ForceUnlockRequest {
  configPath: string;
  id: string;
  env: OpenProviderOptions['env'];
}

/**
 * `keyplan force-unlock ID`: removes the configuration's apply lock with that ID, else the apply lease with
 * that ID at whichever of its providers holds leases. Returns what was done, for the user.
 */
export async function forceUnlock(request: ForceUnlockRequest): Promise<string> {
  const state = await loadConfig(request.configPath, { now: Date.now() });
  const lockPath = applyLockPath(stateDirOf(state, request.env));
  if (await removeLockWithId(lockPath, request.id)) return `Removed the apply lock ${request.id} (${displayPath(lockPath)}).`;
  const names = selectProviderNames(state, undefined);
  const released = await withProviders(state, names, { env: request.env }, async (providers) => {
    for (const [name, provider] of providers) {
      if (!provider.leases || (await provider.capabilities()).leases !== true) continue;
      if (await provider.leases.release(request.id)) return name;
    }
    return undefined;
  });
  if (released !== undefined) return `Released the apply lease ${request.id} at provider ${released}.`;
  throw new KeyplanError(`no apply lock or lease has ID ${request.id}: not in ${displayPath(lockPath)}, nor at any provider holding leases (it may have ended already)`);
}
