import type { RevokeAction } from '../core/plan-types.js';
import type { Provider } from '../providers/index.js';

/**
 * Revokes the action's key. Where the plan asks for it, the key is first marked with the ownership that
 * revokes it (the key must still be as planned), so a later plan can tell a revoke by keyplan from one
 * made outside it.
 */
export async function revokePlanned(provider: Provider, action: RevokeAction): Promise<void> {
  if (action.mark) await provider.update(action.remote.id, { metadata: action.mark }, action.remote.etag);
  await provider.revoke(action.remote.id);
}
