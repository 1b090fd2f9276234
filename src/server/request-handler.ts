import type { IncomingMessage, ServerResponse } from 'node:http';
import { Secret } from '../core/secret.js';
import type { Store } from '../store/store.js';
import { ApiError, rateLimited, toApiError, unauthorized } from './api-error.js';
import type { AuthThrottle } from './auth-throttle.js';
import { checkBodyHeaders, hasBody, parseJsonBody, readBody, type BodyBudget } from './body.js';
import { bearerToken, identifyAgain, identifyCaller, requirePermission, type BootstrapCredential } from './caller.js';
import { healthRoutes } from './health-routes.js';
import { keyRoutes, loggableKeyId } from './key-routes.js';
import type { Reply, Route } from './route-types.js';
import { serviceRoutes } from './service-routes.js';

const ROUTES: Route[] = [...healthRoutes, ...keyRoutes, ...serviceRoutes];

/** The caller of a public route: no key, no permissions. */
const ANONYMOUS = { key: null, bootstrap: false, permissions: [], actor: 'anonymous', credential: new Secret('') };

export interface HandlerDeps {
  store: Store;
  bootstrap: BootstrapCredential | undefined;
  throttle: AuthThrottle;
  bodies: BodyBudget;
  /** One line per request: method, route template, key id, status, time. Never a raw path, header, body or query. */
  log?: (line: string) => void;
}

type Match = { route: Route; params: string[] } | { error: ApiError };

export function createRequestHandler(deps: HandlerDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const match = matchRoute(req.method ?? 'GET', path);
    const what = 'route' in match ? `${match.route.template}${idNote(match.params[0])}` : '(no such endpoint)';
    respond(req, match, queryAt === -1 ? '' : url.slice(queryAt + 1), deps)
      .catch((error: unknown) => {
        const apiError = toApiError(error);
        if (apiError.status >= 500) deps.log?.(`${apiError.status === 500 ? 'internal error' : apiError.code} on ${req.method} ${what}: ${describe(error)}`);
        return { status: apiError.status, body: apiError.toBody(), headers: apiError.headers };
      })
      .then((reply) => {
        send(req, res, reply);
        deps.log?.(`${req.method} ${what} ${reply.status} ${(performance.now() - started).toFixed(1)}ms`);
      })
      .catch(() => res.destroy());
  };
}

function idNote(param: string | undefined): string {
  const id = loggableKeyId(param);
  return id ? ` ${id}` : '';
}

/** The route for a method and path (HEAD is GET without the body); 404 and 405 never echo the path. */
function matchRoute(method: string, path: string): Match {
  const candidates = ROUTES.filter((route) => route.pattern.test(path));
  if (candidates.length === 0) return { error: new ApiError('not_found', 'no such endpoint; see the OpenAPI document for the routes of /v1') };
  const wanted = method === 'HEAD' ? 'GET' : method;
  const route = candidates.find((candidate) => candidate.method === wanted);
  if (!route) {
    const allow = candidates.flatMap((candidate) => (candidate.method === 'GET' ? ['GET', 'HEAD'] : [candidate.method]));
    return { error: new ApiError('method_not_allowed', `${method.slice(0, 16)} is not allowed here; allowed: ${allow.join(', ')}`, { allow }, { allow: allow.join(', ') }) };
  }
  return { route, params: route.pattern.exec(path)?.slice(1) ?? [] };
}

/**
 * Authenticates from the headers before reading any body: an unauthenticated or
 * refused request is answered without its body ever being read.
 */
async function respond(req: IncomingMessage, match: Match, queryText: string, deps: HandlerDeps): Promise<Reply> {
  if ('error' in match) throw match.error;
  const { route, params } = match;
  const context = { params, query: new URLSearchParams(queryText), headers: req.headers, headerValues: (name: string) => req.headersDistinct[name], throttle: deps.throttle };
  if (route.public) return route.handle({ ...context, store: deps.store, caller: ANONYMOUS, json: () => undefined });
  const token = bearerToken(req.headers);
  const caller = await identifyCaller(token, deps.store, deps.bootstrap);
  if (!caller) {
    const wait = deps.throttle.failedAuthentication(req.socket.remoteAddress, token);
    if (wait > 0) throw rateLimited(wait, 'too many failed authentications; try again later (valid keys are not affected)');
    throw unauthorized();
  }
  if (route.permission) requirePermission(caller, route.permission);
  let raw: Buffer = Buffer.alloc(0);
  if (route.body) {
    checkBodyHeaders(req);
    if (hasBody(req)) raw = await readBody(req, deps.bodies);
  }
  let parsed: { value: unknown } | undefined;
  // A key used to authenticate may have been revoked while the body arrived: check again.
  const current = raw.length > 0 ? await identifyAgain(caller, token as string, deps.store) : caller;
  if (!current) throw unauthorized();
  if (route.permission) requirePermission(current, route.permission);
  return route.handle({ ...context, store: deps.store, caller: current, json: () => (parsed ??= { value: parseJsonBody(raw) }).value });
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  // A body left unread (refused before reading it) is not drained: the connection is closed instead.
  const unread = !req.complete;
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(unread ? { connection: 'close' } : {}),
    ...reply.headers,
  });
  res.end(body);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}
