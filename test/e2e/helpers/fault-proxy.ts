import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does instead of simply forwarding a request; `undefined` forwards it.
 * - `{ status }`: answers itself with that status (the request never reaches the key service).
 * - `{ kind: 'reset' }`: destroys the client's connection without forwarding (a connection reset).
 * - `{ kind: 'drop-response' }`: forwards the request, lets the key service finish (and commit) it,
 *   then destroys the client's connection instead of passing the answer on: the client cannot know
 *   whether its request took effect.
 * - `{ kind: 'hold', until }`: holds the request until `until` resolves, then forwards it: a slow key
 *   service, slowed deterministically (the test decides when it answers).
 */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'drop-response' }
  | { kind: 'hold'; until: Promise<void> }
  | undefined;

interface Waiter {
  match: (line: string) => boolean;
  resolve: (line: string) => void;
}

/** The proxy's log, which tests can also wait on. */
class ProxyLog {
  readonly lines: string[] = [];
  readonly #waiters: Waiter[] = [];

  push(line: string): void {
    this.lines.push(line);
    for (const waiter of this.#waiters.filter((w) => w.match(line))) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }

  next(match: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }
}

/**
 * A reverse proxy on 127.0.0.1:0 in front of a real key service that can answer requests itself:
 * `inject(n)` decides for the n-th request (1-based) whether to fault it. Counts what it saw.
 */
export class FaultProxy {
  private constructor(
    readonly url: string,
    private readonly book: ProxyLog,
    private readonly server: ReturnType<typeof createServer>,
  ) {}

  /** Every request, in arrival order: `GET /v1/keys?limit=1000 -> 500 (injected)`. */
  get log(): readonly string[] {
    return this.book.lines;
  }

  /** Resolves with the first log line, logged already or yet to come, that `match` accepts. */
  logged(match: (line: string) => boolean): Promise<string> {
    return this.book.next(match);
  }

  static async start(target: string, inject: (n: number, req: IncomingMessage) => Fault): Promise<FaultProxy> {
    const targetUrl = new URL(target);
    let count = 0;
    const log = new ProxyLog();
    const server = createServer((req, res) => {
      count += 1;
      const fault = inject(count, req);
      const line = `${req.method} ${req.url}`;
      if (fault && 'status' in fault) {
        log.push(`${line} -> ${fault.status} (injected)`);
        req.resume();
        answer(res, fault);
        return;
      }
      if (fault?.kind === 'reset') {
        log.push(`${line} -> reset (injected)`);
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'hold') {
        // Read the whole request now; forward it once the test lets go (even if the client has gone by then).
        const body: Buffer[] = [];
        const ended = new Promise<void>((resolve) => req.on('end', resolve));
        req.on('data', (chunk: Buffer) => body.push(chunk));
        log.push(`${line} held (injected)`);
        void Promise.all([fault.until, ended]).then(() => forwardTo(targetUrl, req, res, line, log, false, Buffer.concat(body)));
        return;
      }
      forwardTo(targetUrl, req, res, line, log, fault?.kind === 'drop-response');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new FaultProxy(`http://127.0.0.1:${port}`, log, server);
  }

  /** Answers the first `count` requests with `fault`, then forwards everything. */
  static firstRequests(target: string, count: number, fault: NonNullable<Fault>): Promise<FaultProxy> {
    return FaultProxy.start(target, (n) => (n <= count ? fault : undefined));
  }

  get injectedCount(): number {
    return this.log.filter((line) => line.endsWith('(injected)')).length;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Forwards a request to the key service; `dropResponse`: lets it finish, then cuts the client off instead of answering. */
function forwardTo(targetUrl: URL, req: IncomingMessage, res: ServerResponse, line: string, log: ProxyLog, dropResponse: boolean, body?: Buffer): void {
  const upstream = forward(
    { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: { ...req.headers, host: targetUrl.host } },
    (upstreamRes) => {
      if (dropResponse) {
        // Read the whole answer first, so the service has certainly finished the request.
        upstreamRes.resume();
        upstreamRes.on('end', () => {
          log.push(`${line} -> ${upstreamRes.statusCode} dropped (injected)`);
          req.socket.destroy();
        });
        return;
      }
      upstreamRes.on('end', () => log.push(`${line} -> ${upstreamRes.statusCode}`));
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    log.push(`${line} -> 502 (${error.message})`);
    answer(res, { status: 502, body: { error: { code: 'internal', message: 'proxy could not reach the key service' } } });
  });
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

function answer(res: ServerResponse, fault: { status: number; headers?: Record<string, string>; body?: unknown }): void {
  const body = JSON.stringify(fault.body ?? { error: { code: fault.status === 429 ? 'rate_limited' : 'internal', message: 'injected fault' } });
  res.writeHead(fault.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...fault.headers });
  res.end(body);
}
