import type { IncomingHttpHeaders } from 'node:http';
import type { Store } from '../store/contract.js';
import type { AuthThrottle } from './auth-throttle.js';
import type { Caller } from './caller.js';

export interface RequestContext {
  store: Store;
  caller: Caller;
  /** Captured path segments, e.g. the key id (still percent-encoded). */
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** A header's values exactly as sent, one entry per occurrence (to refuse a repeated single-valued header). */
  headerValues(name: string): string[] | undefined;
  throttle: AuthThrottle;
  /** The parsed JSON body (a 400 when malformed or missing). */
  json(): unknown;
}

export interface Reply {
  status: number;
  /** JSON; undefined for a 204 (no content). */
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path as the OpenAPI document writes it, e.g. `/v1/keys/{id}`: what the request log shows. */
  template: string;
  pattern: RegExp;
  /** The permission the caller needs (a list: any one of them); null: any valid key. */
  permission: string | readonly string[] | null;
  /** Whether the route reads a JSON body (read only after the caller is authenticated). */
  body?: boolean;
  /** No authentication at all (liveness and readiness probes). */
  public?: true;
  /** A check and the write that depends on it happen inside one store call (one transaction), never across awaits here. */
  handle(context: RequestContext): Reply | Promise<Reply>;
}
