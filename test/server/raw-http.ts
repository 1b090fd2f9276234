import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a raw client saw: the answer, every byte it read, the socket error it got (EPIPE, ECONNRESET), and whether the server's FIN came. */
export interface RawExchange extends RawAnswer {
  bytesRead: number;
  error: string | undefined;
  fin: boolean;
}

/** One line for a failed exchange: `EPIPE after 0 bytes`, `status 0 after 12 bytes, no FIN`. */
export function describeExchange(exchange: RawExchange): string {
  return `${exchange.error ?? `status ${exchange.status}`} after ${exchange.bytesRead} bytes${exchange.fin ? '' : ', no FIN'}`;
}

/** Parses one HTTP/1.1 answer as raw text (status line, headers, body). */
export function parseRawAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: end === -1 ? '' : text.slice(end + 4) };
}

/** Opens a TCP connection to a server URL (optionally from a given loopback address). */
export function openSocket(url: string, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends raw bytes and collects everything the server answers until it closes the connection, noting how it closed. */
export async function rawExchange(url: string, bytes: string | Buffer | (string | Buffer)[], options: { localAddress?: string } = {}): Promise<RawExchange> {
  const socket = await openSocket(url, options.localAddress);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let fin = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => (fin = true));
    socket.on('error', (problem: NodeJS.ErrnoException) => (error ??= problem.code ?? problem.message));
    socket.on('close', () => {
      const received = Buffer.concat(chunks);
      resolve({ ...parseRawAnswer(received.toString('latin1')), bytesRead: received.length, error, fin });
    });
    for (const part of [bytes].flat()) socket.write(part, () => undefined);
  });
}

/** Reads from a socket until the first complete answer's headers and `content-length` bytes of body have arrived, or it closes. */
export function readOneAnswer(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      socket.off('data', onData);
      resolve(parseRawAnswer(text));
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(parseRawAnswer(text).headers['content-length'] ?? 0);
      if (text.length - end - 4 >= length) done();
    };
    socket.on('data', onData);
    socket.once('close', done);
    socket.on('error', () => undefined);
  });
}
