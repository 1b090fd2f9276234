import { createRequire } from 'node:module';
import type { Agent, Dispatcher } from 'undici';

/** Sends one request through a dispatcher: undici's `request`, called on it. */
export type SendRequest = (dispatcher: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

export interface UndiciAgent {
  Agent: typeof Agent;
  request: SendRequest;
  /** Where they came from: undici's own files, or its index (the fallback). */
  loadedFrom: 'files' | 'index';
}

type RequestFunction = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/**
 * undici's Agent and `request` without its index, which also builds fetch, WebSocket, cookies, caches and
 * mocks: about 80 ms less start-up for every command that talks to a key service. Should a later undici move
 * these files, the index is loaded instead (the same Agent and request, only slower to load).
 */
export async function loadUndiciAgent(): Promise<UndiciAgent> {
  try {
    const require = createRequire(import.meta.url);
    const AgentClass = require('undici/lib/dispatcher/agent.js') as typeof Agent;
    const request = require('undici/lib/api/api-request.js') as RequestFunction;
    if (typeof AgentClass !== 'function' || typeof request !== 'function') throw new TypeError('unexpected undici layout');
    return { Agent: AgentClass, request: (dispatcher, options) => request.call(dispatcher, options), loadedFrom: 'files' };
  } catch {
    const undici = await import('undici');
    return { Agent: undici.Agent, request: (dispatcher, options) => dispatcher.request(options), loadedFrom: 'index' };
  }
}
