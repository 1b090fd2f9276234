import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_BODY_BYTES } from './body.js';

/** How long the unread rest of a refused request may keep arriving before its connection is closed regardless. */
export const DRAIN_MAX_MS = 30_000;

/**
 * Closing a socket whose received bytes were not read makes the kernel answer with a RST, and a client still
 * writing its body then loses the answer already in its receive buffer (curl: "Send failure: Broken pipe",
 * fetch: EPIPE). So a refused connection is closed gently: the answer, then a FIN (the client reads the answer
 * and knows no more are coming), then what the client still sends is read and discarded — at most
 * MAX_BODY_BYTES, for at most DRAIN_MAX_MS — and only then is the socket closed.
 *
 * For a refused request whose body was not read. Call it before the answer is written with `connection: close`:
 * Node ends such an answer with `socket.destroySoon()`, which here waits for the body instead of destroying the
 * socket as soon as the answer is written.
 */
export function drainRefusedBody(req: IncomingMessage): void {
  const socket = req.socket;
  let read = 0;
  let bodyDone = false;
  let answered = false;
  const close = drainDeadline(socket);
  const closeWhenBoth = () => {
    if (!answered || !bodyDone) return;
    if (socket.writableFinished) close();
    else socket.once('finish', close);
  };
  req.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > MAX_BODY_BYTES) close();
  });
  const nothingMore = () => {
    bodyDone = true;
    closeWhenBoth();
  };
  req.once('end', nothingMore);
  // The client closed its side (it sent all it will): nothing is left unread.
  socket.once('end', nothingMore);
  req.resume();
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    answered = true;
    closeWhenBoth();
  };
}

/**
 * The same for a connection answered without a request object (a malformed request): `answer` is written, then
 * a FIN; the socket closes when the client closes its side, or after DRAIN_MAX_MS or MAX_BODY_BYTES more.
 * Returns false when the socket was already being drained (the parser reports every later chunk again).
 */
export function answerAndDrain(socket: Socket, answer: string): boolean {
  const state = socket as Socket & { [DRAINING]?: number };
  if (state[DRAINING] !== undefined) {
    if (socket.bytesRead - state[DRAINING] > MAX_BODY_BYTES) socket.destroy();
    return false;
  }
  state[DRAINING] = socket.bytesRead;
  const close = drainDeadline(socket);
  socket.end(answer);
  socket.once('end', () => (socket.writableFinished ? close() : socket.once('finish', close)));
  socket.resume();
  return true;
}

const DRAINING = Symbol('draining since byte');

/** Whether answerAndDrain is already draining this socket. */
export function isDraining(socket: Socket): boolean {
  return (socket as Socket & { [DRAINING]?: number })[DRAINING] !== undefined;
}

/** Closes the socket now (returned) or after DRAIN_MAX_MS at the latest. */
function drainDeadline(socket: Socket): () => void {
  const timer = setTimeout(() => socket.destroy(), DRAIN_MAX_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  return () => {
    clearTimeout(timer);
    socket.destroy();
  };
}
