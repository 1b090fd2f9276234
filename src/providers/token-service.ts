/** Small pieces the providers of vendor token services (cloudflare, gitlab) share. */
import { ProviderError } from '../core/errors.js';

/** Runs `build`; a RangeError (the provider's own check of the input) becomes a `refused` ProviderError. */
export function refusing<T>(action: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof RangeError) throw new ProviderError(`cannot ${action}: ${error.message}`, 422, 'refused');
    throw error;
  }
}

/** The token as the service has it now; or, when it is gone but this run listed it, that listing (revoked out of band). */
export async function currentOrGone<T>(fetch: () => Promise<T>, known: T | undefined): Promise<{ current: T } | { gone: T }> {
  try {
    return { current: await fetch() };
  } catch (error) {
    if (known !== undefined && error instanceof ProviderError && error.kind === 'not-found') return { gone: known };
    throw error;
  }
}
