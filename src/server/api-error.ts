import { StoreError } from '../store/errors.js';
import { StorageFailure, type StorageFailureKind } from '../store/storage-errors.js';
import { redactSecrets } from './redact.js';

const STATUS_CODES = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
  too_many_connections: 503,
  insufficient_storage: 507,
} as const;

export type ApiErrorCode = keyof typeof STATUS_CODES;

/** An HTTP error answer: `{ "error": { code, message, details } }`. Messages never contain a secret. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS_CODES[code];
  }

  /** The JSON body; anything secret-shaped that came from the request (a field name, a value) is redacted. */
  toBody(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    const body = { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
    return JSON.parse(redactSecrets(JSON.stringify(body))) as typeof body;
  }
}

export function fromStoreError(error: StoreError): ApiError {
  return new ApiError(error.code, error.message, error.details);
}

/** One answer for every authentication failure, so an unknown key and a wrong one look alike. */
export function unauthorized(): ApiError {
  return new ApiError('unauthorized', 'missing or invalid credentials: send Authorization: Bearer <key>', undefined, {
    'www-authenticate': 'Bearer realm="keyplan"',
  });
}

export function rateLimited(retryAfter: number, message: string): ApiError {
  return new ApiError('rate_limited', message, { retry_after_seconds: retryAfter }, { 'retry-after': String(retryAfter) });
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) return fromStoreError(error);
  if (error instanceof StorageFailure) return storageError(error.kind, error.retryAfterSeconds);
  return new ApiError('internal', 'internal error');
}

const STORAGE_ANSWERS: Record<StorageFailureKind, { code: ApiErrorCode; message: string; retry: boolean }> = {
  unavailable: { code: 'unavailable', message: 'the key service cannot reach its database right now; retry shortly', retry: true },
  full: {
    code: 'insufficient_storage',
    message: 'the key service cannot store this change: its disk is full. Reads and verification keep working; retry once space is freed.',
    retry: false,
  },
  read_only: { code: 'unavailable', message: 'the key service cannot write its database (it is read-only); reads keep working', retry: false },
  corrupt: { code: 'unavailable', message: 'the key service is out of service: its database needs an operator (see its log)', retry: false },
};

function storageError(kind: StorageFailureKind, retryAfter: number): ApiError {
  const answer = STORAGE_ANSWERS[kind];
  if (!answer.retry) return new ApiError(answer.code, answer.message);
  return new ApiError(answer.code, answer.message, { retry_after_seconds: retryAfter }, { 'retry-after': String(retryAfter) });
}
