import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Past this we stop draining and drop the connection rather than read an endless body. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

/** The raw request body; a 413 when it is over 1 MiB (the rest is drained so the answer can be read). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > MAX_BODY_BYTES;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (size > MAX_DRAIN_BYTES) req.destroy();
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new ApiError('payload_too_large', `the request body is over ${MAX_BODY_BYTES} bytes`, { max_bytes: MAX_BODY_BYTES }));
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** The body as JSON, or a 400 saying where it is malformed (never echoing the body). */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) throw new ApiError('bad_request', 'the request needs a JSON body');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ApiError('bad_request', `malformed JSON body${position ? ` at position ${position}` : ''}`);
  }
}
