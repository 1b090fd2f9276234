import { StoreError } from '../store/errors.js';

const STATUS_CODES = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
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

  toBody(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
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

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) return fromStoreError(error);
  return new ApiError('internal', 'internal error');
}
