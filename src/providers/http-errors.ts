/** Turns a key service error response into a ProviderError that says what failed and what to do about it. */
import { ProviderError, nameHolderOf } from '../core/errors.js';
import type { ApiResponse } from './http-client.js';
import { wireError } from './wire.js';

export interface ErrorContext {
  /** The service's base URL. */
  url: string;
  /** The env var the token came from. */
  tokenEnv: string;
  /** What was being done, as a phrase: `create key "billing"`, `list keys`. */
  action: string;
  /** The permission the action needs, when the service checks one. */
  permission?: string;
  /** Whether a 404 means a missing key (rather than a missing endpoint). */
  keyId?: string;
  /** Removes the token from any text the server sent back. */
  redact: (text: string) => string;
}

export function responseError(response: ApiResponse, context: ErrorContext): ProviderError {
  const { status } = response;
  const error = wireError(response.body);
  const code = error.code ?? codeForStatus(status);
  const serverMessage = error.message === undefined ? undefined : context.redact(error.message);
  const because = serverMessage === undefined ? '' : `: ${serverMessage}`;
  const make = (message: string) => new ProviderError(message, status, code);

  switch (status) {
    case 401:
      return make(
        `the key service at ${context.url} rejected the token in $${context.tokenEnv} (cannot ${context.action})${because}`,
      );
    case 403: {
      const named = detailString(error.details, 'permission');
      const permission = named ?? context.permission;
      const lacks = permission === undefined ? 'the token lacks a permission' : `the token lacks permission ${permission}`;
      // A refusal other than the action's own permission (granting a role beyond the token's reach) needs the server's words.
      const why = named !== undefined && named !== context.permission ? because : '';
      return make(`${lacks}: cannot ${context.action}${why} (token from $${context.tokenEnv}, key service ${context.url})`);
    }
    case 404:
      return context.keyId === undefined
        ? make(`cannot ${context.action}: ${context.url} answered 404; is it a keyplan key service?`)
        : make(`cannot ${context.action}: key ${context.keyId} does not exist at ${context.url}`);
    case 409: {
      const conflict = make(`cannot ${context.action}: conflict${because || ' with the current state of the key'}`);
      const holder = nameHolderOf(error.details);
      if (holder !== undefined) conflict.nameHeldBy = holder;
      return conflict;
    }
    case 412:
      return make(`cannot ${context.action}: the key changed since it was read; run plan again${because}`);
    case 413:
      return make(`cannot ${context.action}: the request is too large for the key service${because}`);
    case 400:
    case 422:
      return make(`cannot ${context.action}: the key service refused it${because || ` (HTTP ${status})`}`);
    case 429:
      return make(
        `cannot ${context.action}: the key service at ${context.url} is rate limiting requests (gave up after ${response.attempts} attempts)${because}`,
      );
    default: {
      const tries = response.attempts > 1 ? `, after ${response.attempts} attempts` : '';
      return make(`cannot ${context.action}: the key service at ${context.url} answered HTTP ${status}${tries}${because}`);
    }
  }
}

function codeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    412: 'precondition_failed',
    413: 'payload_too_large',
    422: 'unprocessable',
    429: 'rate_limited',
  };
  return codes[status] ?? (status >= 500 ? 'internal' : `http_${status}`);
}

function detailString(details: Record<string, unknown> | undefined, field: string): string | undefined {
  const value = details?.[field];
  return typeof value === 'string' ? value : undefined;
}
