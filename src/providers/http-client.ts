/**
 * The transport under the http provider: one keep-alive undici Agent,
 * per-request timeouts, and retries with backoff. It returns every HTTP answer
 * (the provider decides what a status means) and throws a ProviderError only
 * when no answer came. The token never leaves this file except inside the
 * Authorization header of an outgoing request.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { loadUndiciAgent, type SendRequest } from './undici-agent.js';
import { ProviderError } from '../core/errors.js';
import type { Secret } from '../core/secret.js';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  errorCode,
  isConnectionErrorCode,
  isRetryableStatus,
  retryAfterDelay,
  wasNotSent,
  type RetryPolicy,
} from './retry.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface KeyServiceClientOptions {
  /** The service's base URL; a path is kept as a prefix of every request path. */
  url: string;
  /** Sent as `Authorization: Bearer`; none for an unauthenticated request (a login). */
  token?: Secret;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Injected in tests (undici MockAgent). The client closes only a dispatcher it made itself. */
  dispatcher?: Dispatcher;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** What the service is called in messages. Default `key service`. */
  serviceLabel?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRequest {
  method: HttpMethod;
  /** Starting with `/`, e.g. `/v1/keys`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | undefined>;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
  /** How many times the request was sent. */
  attempts: number;
}

type Outcome = { response: ApiResponse } | { failure: unknown };

export class KeyServiceClient {
  readonly url: string;
  readonly #token: Secret | undefined;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  #dispatcher: Dispatcher | undefined;
  /** An injected dispatcher is a whole undici Dispatcher (MockAgent in tests) and sends with its own request. */
  #send: SendRequest = (dispatcher, options) => dispatcher.request(options);
  readonly #ownsDispatcher: boolean;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #label: string;

  constructor(options: KeyServiceClientOptions) {
    const base = new URL(options.url);
    this.url = options.url.replace(/\/+$/, '');
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#label = options.serviceLabel ?? 'key service';
  }

  async send(request: ApiRequest): Promise<ApiResponse> {
    const idempotent = isIdempotent(request);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(request, attempt);
      const last = attempt >= this.#retry.maxAttempts;
      if ('response' in outcome) {
        const { response } = outcome;
        // A 429 was refused before any work was done, so it is safe to repeat even a plain POST.
        const retryable = isRetryableStatus(response.status) && (idempotent || response.status === 429);
        if (!retryable || last) return response;
        await this.#sleep(this.#waitAfterStatus(response, attempt));
        continue;
      }
      const code = errorCode(outcome.failure);
      const retryable = wasNotSent(code) || (idempotent && isConnectionErrorCode(code));
      if (!retryable || last) throw this.#transportError(request, outcome.failure, attempt);
      await this.#sleep(backoffDelay(attempt, this.#retry, this.#random));
    }
  }

  /** undici loads on the first request, so commands that never reach a key service start faster. */
  async #agent(): Promise<{ dispatcher: Dispatcher; send: SendRequest }> {
    if (!this.#dispatcher) {
      const { Agent, request } = await loadUndiciAgent();
      this.#dispatcher = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: this.#timeoutMs }, connections: 16 });
      this.#send = request;
    }
    return { dispatcher: this.#dispatcher, send: this.#send };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher && this.#dispatcher) await this.#dispatcher.close();
  }

  async #attempt(request: ApiRequest, attempt: number): Promise<Outcome> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(this.#token ? { authorization: `Bearer ${this.#token.reveal()}` } : {}),
      ...request.headers,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const { dispatcher, send } = await this.#agent();
      const res = await send(dispatcher, {
        origin: this.#origin,
        path: this.#basePath + request.path + queryString(request.query),
        method: request.method,
        headers,
        body,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const text = await res.body.text();
      return {
        response: { status: res.statusCode, headers: flattenHeaders(res.headers), body: parseJson(text), attempts: attempt },
      };
    } catch (failure) {
      return { failure };
    }
  }

  #waitAfterStatus(response: ApiResponse, attempt: number): number {
    return (
      retryAfterDelay(response.headers['retry-after'], this.#now(), this.#retry.maxDelayMs) ??
      backoffDelay(attempt, this.#retry, this.#random)
    );
  }

  /** Built from the error code alone: undici errors are never passed on, so nothing of the request can leak through them. */
  #transportError(request: ApiRequest, failure: unknown, attempts: number): ProviderError {
    const code = errorCode(failure);
    // Sent, and not safe to repeat: the service may have done it and the answer was lost.
    const kind = !wasNotSent(code) && !isIdempotent(request) ? 'maybe-committed' : 'unavailable';
    const tries = attempts > 1 ? ` (${request.method} ${request.path}, ${attempts} attempts)` : ` (${request.method} ${request.path})`;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new ProviderError(
        `the ${this.#label} at ${this.url} did not answer within ${formatMs(this.#timeoutMs)}: ${code}${tries}`,
        undefined,
        code,
        kind,
      );
    }
    const detail = code ?? this.redact(failure instanceof Error ? failure.message : String(failure));
    return new ProviderError(`cannot reach ${this.#label} at ${this.url}: ${detail}${tries}`, undefined, code ?? 'unreachable', kind);
  }

  /** Removes the token from text that came from elsewhere (a server message, a foreign error). */
  redact(text: string): string {
    const token = this.#token?.reveal() ?? '';
    const scrubbed = token.length > 0 ? text.split(token).join('[redacted]') : text;
    return scrubbed.replace(/(Bearer\s+)\S+/gi, '$1[redacted]');
  }
}

/** Whether sending the request twice has the same effect as sending it once. */
export function isIdempotent(request: ApiRequest): boolean {
  const header = (name: string) =>
    Object.entries(request.headers ?? {}).some(([key, value]) => key.toLowerCase() === name && value !== '');
  switch (request.method) {
    case 'GET':
    case 'PUT':
    case 'DELETE':
      return true;
    case 'PATCH':
      return header('if-match') || header('idempotency-key');
    case 'POST':
      return header('idempotency-key');
  }
}

function queryString(query: Record<string, string> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams(query).toString();
  return params === '' ? '' : `?${params}`;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
