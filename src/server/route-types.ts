import type { IncomingHttpHeaders } from 'node:http';
import type { KeyStore } from '../store/key-store.js';
import type { Caller } from './caller.js';

export interface RequestContext {
  store: KeyStore;
  caller: Caller;
  /** Captured path segments, e.g. the key id. */
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (a 400 when malformed or missing). */
  json(): unknown;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  pattern: RegExp;
  /** The permission the caller needs; null: any valid key. */
  permission: string | null;
  /** Synchronous on purpose: a check and the write that depends on it never interleave with another request. */
  handle(context: RequestContext): Reply;
}
