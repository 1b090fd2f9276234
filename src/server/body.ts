import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Request bodies held in memory at once, across all requests; past it new bodies get 503. */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function tooLarge(): ApiError {
  return new ApiError('payload_too_large', `the request body is over ${MAX_BODY_BYTES} bytes`, { max_bytes: MAX_BODY_BYTES });
}

/** Whether the request says it carries a body. */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Refusals decided from the headers alone, before any of the body is read: 413 for a declared size over the limit, 415. */
export function checkBodyHeaders(req: IncomingMessage): void {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  if (hasBody(req) && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    throw new ApiError('unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
  }
}

/** Bytes of request bodies held in memory now, shared by all requests of one server. */
export class BodyBudget {
  #held = 0;

  constructor(readonly maxBytes: number) {}

  take(bytes: number): boolean {
    if (this.#held + bytes > this.maxBytes) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held -= bytes;
  }
}

/** A body that has arrived whole (its bytes all buffered) and is at most this size is taken at once, without events. */
export const WHOLE_BODY_MAX_BYTES = 64 * 1024;

/**
 * The request body when it has arrived whole and is small (the usual JSON request: it came with the headers),
 * counted against the budget as `readBody` counts it (503 when the server holds too many bodies already);
 * undefined when it is still arriving or large: read it with `readBody`. Whole: the request is complete, or
 * every byte its Content-Length declares is buffered (the parser hands over the body before it marks the
 * request complete).
 */
export function takeWholeBody(req: IncomingMessage, budget: BodyBudget): Buffer | undefined {
  const size = req.readableLength;
  if (size === 0 || size > WHOLE_BODY_MAX_BYTES || req.readableFlowing !== null) return undefined;
  const whole = req.complete || (req.headers['transfer-encoding'] === undefined && size === Number(req.headers['content-length']));
  if (!whole) return undefined;
  if (!budget.take(size)) throw bodiesOverBudget();
  // Read and parsed at once, before anything else runs: the bytes leave the budget when this returns.
  budget.give(size);
  const body = req.read() as Buffer;
  // Flowing, the request ends (and is let go) when the parser marks it complete.
  req.resume();
  return body;
}

/**
 * The client went away before its body arrived (it aborted, the connection reset or closed): a client event,
 * not a server error. Nobody is left to answer; it is logged as such, never as a 5xx.
 */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before its body arrived');
    this.name = 'ClientGoneError';
  }
}

function bodiesOverBudget(): ApiError {
  return new ApiError('unavailable', 'the key service is handling too many request bodies; retry shortly', undefined, { 'retry-after': '1' });
}

/**
 * The raw request body, at most MAX_BODY_BYTES (413 past it), counted against the shared
 * budget while it is read and parsed (503 when the server holds too many bodies already).
 */
export function readBody(req: IncomingMessage, budget: BodyBudget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      budget.give(size);
      return true;
    };
    const fail = (error: unknown) => {
      if (!settle()) return;
      req.pause();
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > MAX_BODY_BYTES) return fail(tooLarge());
      if (!budget.take(chunk.length)) return fail(bodiesOverBudget());
      size += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settle()) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    // An aborted request ('aborted', ECONNRESET) or a connection closed before the end: the client is gone.
    req.on('error', () => fail(new ClientGoneError()));
    // 'close' comes after every request, read or not: the error is built only when it is the answer.
    req.on('close', () => {
      if (!settled) fail(new ClientGoneError());
    });
  });
}

/**
 * The body as JSON, or a 400 saying where it is malformed (never echoing the body). Bytes that are not UTF-8
 * are refused (422) rather than decoded into U+FFFD: a name stored with replacement characters is not the one sent.
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) throw new ApiError('bad_request', 'the request needs a JSON body');
  if (!isUtf8(raw)) {
    throw new ApiError('unprocessable', 'invalid request: (body): must be valid UTF-8', { fields: [{ field: '(body)', message: 'must be valid UTF-8' }] });
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ApiError('bad_request', `malformed JSON body${position ? ` at position ${position}` : ''}`);
  }
}
