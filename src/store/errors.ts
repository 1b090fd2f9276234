export type StoreErrorCode = 'conflict' | 'forbidden' | 'not_found' | 'precondition_failed' | 'unprocessable';

/** One field that failed validation, for `details.fields`. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * A refusal by the key store. The server maps `code` to an HTTP status; the
 * local provider to a ProviderError. Messages never contain a secret.
 */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details?: { fields?: FieldIssue[]; [name: string]: unknown },
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export function unprocessable(fields: FieldIssue[]): StoreError {
  const summary = fields.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return new StoreError('unprocessable', `invalid input: ${summary}`, { fields });
}
