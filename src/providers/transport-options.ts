/** What an HTTP provider's opener takes from openProvider's options (see ./index.ts), without importing it. */
import type { Dispatcher } from 'undici';
import type { RetryPolicy } from './retry.js';

export interface ProviderTransport {
  env: NodeJS.ProcessEnv;
  dispatcher?: Dispatcher;
  sleep?: (ms: number) => Promise<void>;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
}

/** The transport fields set, for spreading into a client's options. */
export function transportFields(options: ProviderTransport, timeoutMs: number | undefined) {
  return {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
}
