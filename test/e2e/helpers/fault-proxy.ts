import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does instead of simply forwarding a request; `undefined` forwards it.
 * - `{ status }`: answers itself with that status (the request never reaches the key service).
 * - `{ kind: 'reset' }`: destroys the client's connection without forwarding (a connection reset).
 * - `{ kind: 'drop-response' }`: forwards the request, lets the key service finish (and commit) it,
 *   then destroys the client's connection instead of passing the answer on: the client cannot know
 *   whether its request took effect.
 */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'drop-response' }
  | undefined;

/**
 * A reverse proxy on 127.0.0.1:0 in front of a real key service that can answer requests itself:
 * `inject(n)` decides for the n-th request (1-based) whether to fault it. Counts what it saw.
 */
export class FaultProxy {
  private constructor(
    readonly url: string,
    /** Every request, in arrival order: `GET /v1/keys?limit=1000 -> 500 (injected)`. */
    readonly log: readonly string[],
    private readonly server: ReturnType<typeof createServer>,
  ) {}

  static async start(target: string, inject: (n: number, req: IncomingMessage) => Fault): Promise<FaultProxy> {
    const targetUrl = new URL(target);
    let count = 0;
    const log: string[] = [];
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
      const dropResponse = fault?.kind === 'drop-response';
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
          log.push(`${line} -> ${upstreamRes.statusCode}`);
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        log.push(`${line} -> 502 (${error.message})`);
        answer(res, { status: 502, body: { error: { code: 'internal', message: 'proxy could not reach the key service' } } });
      });
      req.pipe(upstream);
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

function answer(res: ServerResponse, fault: { status: number; headers?: Record<string, string>; body?: unknown }): void {
  const body = JSON.stringify(fault.body ?? { error: { code: fault.status === 429 ? 'rate_limited' : 'internal', message: 'injected fault' } });
  res.writeHead(fault.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...fault.headers });
  res.end(body);
}
