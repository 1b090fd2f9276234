import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from './api-error.js';
import { addressBucket } from './client-address.js';
import { answerAndDrain, isDraining } from './gentle-close.js';

/** A whole HTTP/1.1 answer written straight to a socket that has no request object (yet), then closed. */
export function rawJsonResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify({ error: { code, message } });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const OVER_CAP = Symbol('over the per-client cap');

/** How long an over-cap connection may take to send its request before it is answered 503 without one. */
const OVER_CAP_WAIT_MS = 1_000;

type TaggedSocket = Socket & { [OVER_CAP]?: { max: number; timer: NodeJS.Timeout } };

function overCapMessage(max: number): string {
  return `too many open connections from this address (at most ${max})`;
}

/**
 * Caps open connections per client address (IPv6 per /64): one more is answered 503 and closed, so one client
 * cannot take every connection. Its request is answered as any refused one (read, answered, FIN, then closed:
 * see gentle-close.ts), so a client writing it sees the 503 rather than a reset; a connection that sends no
 * request within a second is answered without one. The overall cap is the server's own maxConnections.
 */
export function limitConnectionsPerClient(server: Server, maxPerClient: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: TaggedSocket) => {
    const bucket = addressBucket(socket.remoteAddress);
    const count = (open.get(bucket) ?? 0) + 1;
    if (count > maxPerClient) {
      socket.on('error', () => undefined);
      const timer = setTimeout(() => answerAndDrain(socket, overCapAnswer(maxPerClient)), OVER_CAP_WAIT_MS);
      timer.unref();
      socket[OVER_CAP] = { max: maxPerClient, timer };
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    open.set(bucket, count);
    socket.once('close', () => {
      const left = (open.get(bucket) ?? 1) - 1;
      if (left <= 0) open.delete(bucket);
      else open.set(bucket, left);
    });
  });
}

function overCapAnswer(max: number): string {
  return rawJsonResponse(503, 'too_many_connections', overCapMessage(max), { 'retry-after': '1' });
}

/** The refusal of a request that came on a connection over the per-client cap, or undefined. */
export function overCapRefusal(socket: Socket): ApiError | undefined {
  const tag = (socket as TaggedSocket)[OVER_CAP];
  if (!tag) return undefined;
  clearTimeout(tag.timer);
  return new ApiError('too_many_connections', overCapMessage(tag.max), undefined, { 'retry-after': '1', connection: 'close' });
}

/** Parser-level refusals (malformed request, headers too large, too slow) as JSON, like every other error, closed gently. */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (isDraining(socket)) {
      answerAndDrain(socket, '');
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] = describe(error.code);
    answerAndDrain(socket, rawJsonResponse(status, code, message));
  });
}
function describe(code: string | undefined): [number, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'the request headers are too large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'the request took too long to arrive'];
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return [413, 'payload_too_large', 'chunk extensions are too large'];
  return [400, 'bad_request', 'malformed HTTP request'];
}
