import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyStore } from '../store/key-store.js';
import { ApiError, toApiError, unauthorized } from './api-error.js';
import { parseJsonBody, readBody } from './body.js';
import { redactSecrets } from './redact.js';
import { identifyCaller, requirePermission, type BootstrapCredential } from './caller.js';
import type { FailureLimiter } from './failure-limiter.js';
import { keyRoutes } from './key-routes.js';
import type { Reply, Route } from './route-types.js';
import { serviceRoutes } from './service-routes.js';

const ROUTES: Route[] = [...keyRoutes, ...serviceRoutes];

export interface HandlerDeps {
  store: KeyStore;
  bootstrap: BootstrapCredential | undefined;
  limiter: FailureLimiter;
  /** One line per request; never given headers, bodies or query strings. */
  log?: (line: string) => void;
}

export function createRequestHandler(deps: HandlerDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    const loggedPath = redactSecrets(path.slice(0, 200));
    handle(req, path, deps)
      .catch((error: unknown) => {
        const apiError = toApiError(error);
        if (apiError.status === 500) deps.log?.(`internal error on ${req.method} ${loggedPath}: ${error instanceof Error ? error.name : 'unknown'}`);
        return { status: apiError.status, body: apiError.toBody(), headers: apiError.headers };
      })
      .then((reply) => {
        send(res, reply);
        deps.log?.(`${req.method} ${loggedPath} ${reply.status} ${(performance.now() - started).toFixed(1)}ms`);
      })
      .catch(() => res.destroy());
  };
}

async function handle(req: IncomingMessage, path: string, deps: HandlerDeps): Promise<Reply> {
  const candidates = ROUTES.filter((route) => route.pattern.test(path));
  if (candidates.length === 0) throw new ApiError('not_found', `no such endpoint: ${redactSecrets(path.slice(0, 200))}`);
  const route = candidates.find((candidate) => candidate.method === req.method);
  if (!route) {
    const allow = candidates.map((candidate) => candidate.method).join(', ');
    throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${redactSecrets(path)}; allowed: ${allow}`, { allow: allow.split(', ') }, { allow });
  }
  const address = req.socket.remoteAddress ?? 'unknown';
  const retryAfter = deps.limiter.retryAfter(address);
  if (retryAfter > 0) {
    req.resume();
    throw new ApiError('rate_limited', 'too many failed authentications from this address; try again later', { retry_after_seconds: retryAfter }, { 'retry-after': String(retryAfter) });
  }
  const raw = await readBody(req);
  // Nothing below awaits: the handler runs start to finish without another request in between.
  const caller = identifyCaller(req.headers, deps.store, deps.bootstrap);
  if (!caller) {
    deps.limiter.fail(address);
    throw unauthorized();
  }
  if (route.permission) requirePermission(caller, route.permission);
  const query = new URLSearchParams((req.url ?? '').slice(path.length + 1));
  let parsed: { value: unknown } | undefined;
  return route.handle({
    store: deps.store,
    caller,
    params: route.pattern.exec(path)?.slice(1) ?? [],
    query,
    headers: req.headers,
    json: () => (parsed ??= { value: parseJsonBody(raw) }).value,
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...reply.headers,
  });
  res.end(body);
}
