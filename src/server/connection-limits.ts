import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { addressBucket } from './client-address.js';

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

/**
 * Caps open connections per client address (IPv6 per /64): one more is answered
 * 503 and closed, so one client cannot take every connection. The overall cap is
 * the server's own maxConnections.
 */
export function limitConnectionsPerClient(server: Server, maxPerClient: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const bucket = addressBucket(socket.remoteAddress);
    const count = (open.get(bucket) ?? 0) + 1;
    if (count > maxPerClient) {
      socket.on('error', () => undefined);
      socket.end(rawJsonResponse(503, 'too_many_connections', `too many open connections from this address (at most ${maxPerClient})`, { 'retry-after': '1' }));
      socket.destroySoon();
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

/** Parser-level refusals (malformed request, headers too large, too slow) as JSON, like every other error. */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] = describe(error.code);
    socket.end(rawJsonResponse(status, code, message));
    socket.destroySoon();
  });
}

function describe(code: string | undefined): [number, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'the request headers are too large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'the request took too long to arrive'];
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return [413, 'payload_too_large', 'chunk extensions are too large'];
  return [400, 'bad_request', 'malformed HTTP request'];
}
