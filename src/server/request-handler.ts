import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Secret } from '../core/secret.js';
import type { Store } from '../store/contract.js';
import { ApiError, rateLimited, toApiError, unauthorized } from './api-error.js';
import type { AuthThrottle } from './auth-throttle.js';
import { ClientGoneError, checkBodyHeaders, hasBody, parseJsonBody, readBody, takeWholeBody, type BodyBudget } from './body.js';
import { overCapRefusal } from './connection-limits.js';
import { drainRefusedBody } from './gentle-close.js';
import { bearerToken, identifyAgain, identifyCaller, requirePermission, type BootstrapCredential, type Caller } from './caller.js';
import { healthRoutes } from './health-routes.js';
import { keyRoutes, loggableKeyId } from './key-routes.js';
import { leaseRoutes } from './lease-routes.js';
import type { Reply, RequestContext, Route } from './route-types.js';
import { serviceRoutes } from './service-routes.js';

const ROUTES: Route[] = [...healthRoutes, ...keyRoutes, ...leaseRoutes, ...serviceRoutes];

/** The caller of a public route: no key, no permissions. */
const ANONYMOUS: Caller = { key: null, bootstrap: false, permissions: [], actor: 'anonymous', credential: new Secret('') };

const NO_BODY = Buffer.alloc(0);
const NO_PARAMS: string[] = [];

export interface HandlerDeps {
  store: Store;
  bootstrap: BootstrapCredential | undefined;
  throttle: AuthThrottle;
  bodies: BodyBudget;
  /** One line per request: method, route template, key id, status, time. Never a raw path, header, body or query. */
  log?: (line: string) => void;
}

type Match = { route: Route; params: string[] } | { error: ApiError };

/**
 * The routes whose pattern matches each path without a parameter (`/v1/verify`, `/v1/keys`, ...), found once:
 * the common requests skip testing every route's pattern. Any other path is matched against all patterns.
 */
const CANDIDATES_BY_PATH = new Map<string, Route[]>(
  ROUTES.filter((route) => !route.template.includes('{')).map((route) => [route.template, ROUTES.filter((candidate) => candidate.pattern.test(route.template))]),
);

export function createRequestHandler(deps: HandlerDeps) {
  const log = deps.log;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = log ? performance.now() : 0;
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const match = matchRoute(req.method ?? 'GET', path);
    const context = new Context(deps.store, 'route' in match ? match.params : NO_PARAMS, queryAt === -1 ? '' : url.slice(queryAt + 1), req, deps.throttle);
    const answered = (reply: Reply): void => {
      send(req, res, reply, context.bodyRead);
      if (log) log(`${req.method} ${describeMatch(match)} ${reply.status} ${(performance.now() - started).toFixed(1)}ms`);
    };
    respond(req, res, match, context, deps)
      .then(answered, (error: unknown) => {
        if (error instanceof ClientGoneError) {
          // Nobody to answer: a client event, logged as one (no status), and the connection let go.
          log?.(`${req.method} ${describeMatch(match)} client gone before its body arrived ${(performance.now() - started).toFixed(1)}ms`);
          res.destroy();
          return;
        }
        const apiError = toApiError(error);
        if (apiError.status >= 500) log?.(`${apiError.status === 500 ? 'internal error' : apiError.code} on ${req.method} ${describeMatch(match)}: ${describe(error)}`);
        answered({ status: apiError.status, body: apiError.toBody(), headers: apiError.headers });
      })
      .catch(() => res.destroy());
  };
}

/** What the request log names: the route template and a well-formed key id, never the raw path. */
function describeMatch(match: Match): string {
  if (!('route' in match)) return '(no such endpoint)';
  const id = loggableKeyId(match.params[0]);
  return id ? `${match.route.template} ${id}` : match.route.template;
}

/** The route for a method and path (HEAD is GET without the body); 404 and 405 never echo the path. */
function matchRoute(method: string, path: string): Match {
  const known = CANDIDATES_BY_PATH.get(path);
  const candidates = known ?? ROUTES.filter((route) => route.pattern.test(path));
  if (candidates.length === 0) return { error: new ApiError('not_found', 'no such endpoint; see the OpenAPI document for the routes of /v1') };
  const wanted = method === 'HEAD' ? 'GET' : method;
  const route = candidates.find((candidate) => candidate.method === wanted);
  if (!route) {
    const allow = candidates.flatMap((candidate) => (candidate.method === 'GET' ? ['GET', 'HEAD'] : [candidate.method]));
    return { error: new ApiError('method_not_allowed', `${method.slice(0, 16)} is not allowed here; allowed: ${allow.join(', ')}`, { allow }, { allow: allow.join(', ') }) };
  }
  // A path known up front has no parameters (its routes' patterns capture none of it).
  return { route, params: known ? NO_PARAMS : (route.pattern.exec(path)?.slice(1) ?? []) };
}

/** What a route handler sees; the query is parsed and the body read as JSON only when the handler asks. */
class Context implements RequestContext {
  caller: Caller = ANONYMOUS;
  body: Buffer = NO_BODY;
  /** The whole body has been read (even when the parser has yet to mark the request complete). */
  bodyRead = false;
  /** A public route gets no body. */
  publicRoute = false;
  #query: URLSearchParams | undefined;
  #parsed: { value: unknown } | undefined;

  constructor(
    readonly store: Store,
    readonly params: string[],
    private readonly queryText: string,
    private readonly req: IncomingMessage,
    readonly throttle: AuthThrottle,
  ) {}

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.queryText));
  }

  get headers(): IncomingHttpHeaders {
    return this.req.headers;
  }

  headerValues(name: string): string[] | undefined {
    return this.req.headersDistinct[name];
  }

  json(): unknown {
    if (this.publicRoute) return undefined;
    return (this.#parsed ??= { value: parseJsonBody(this.body) }).value;
  }
}

/**
 * Authenticates from the headers before reading any body: an unauthenticated or refused request is answered
 * without its body ever being read, and a client that asked `Expect: 100-continue` is told to send its body only
 * once it is authenticated, allowed, and its body headers are acceptable.
 */
async function respond(req: IncomingMessage, res: ServerResponse, match: Match, context: Context, deps: HandlerDeps): Promise<Reply> {
  const overCap = overCapRefusal(req.socket);
  if (overCap) throw overCap;
  if ('error' in match) throw match.error;
  const { route } = match;
  if (route.public) {
    context.publicRoute = true;
    return route.handle(context);
  }
  const authorizations = req.headersDistinct.authorization;
  if (authorizations && authorizations.length > 1) throw new ApiError('bad_request', 'send one Authorization header, not several');
  const token = bearerToken(req.headers);
  const caller = await identifyCaller(token, deps.store, deps.bootstrap);
  if (!caller) {
    const wait = deps.throttle.failedAuthentication(req.socket.remoteAddress, token);
    if (wait > 0) throw rateLimited(wait, 'too many failed authentications; try again later (valid keys are not affected)');
    throw unauthorized();
  }
  if (route.permission) requirePermission(caller, route.permission);
  if (route.body) {
    checkBodyHeaders(req);
    if (hasBody(req)) {
      if (expectsContinue(req)) res.writeContinue();
      context.body = takeWholeBody(req, deps.bodies) ?? (await readBody(req, deps.bodies));
      context.bodyRead = true;
    }
  }
  // A key used to authenticate may have been revoked while the body arrived: check again.
  const current = context.body.length > 0 ? await identifyAgain(caller, token as string, deps.store) : caller;
  if (!current) throw unauthorized();
  if (route.permission) requirePermission(current, route.permission);
  context.caller = current;
  return route.handle(context);
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, bodyRead: boolean): void {
  // A body left unread (refused before reading it) is not kept waiting for: the connection is closed after the
  // answer, gently (the answer, a FIN, the rest of the body read and discarded, then the close).
  const unread = !req.complete && !bodyRead;
  if (unread) drainRefusedBody(req);
  const close = unread || reply.headers?.connection === 'close';
  if (reply.status === 204) {
    res.writeHead(204, ['cache-control', 'no-store', ...(close ? ['connection', 'close'] : [])]);
    res.end();
    return;
  }
  const body = JSON.stringify(reply.body);
  // Header names and order as always: content-type, content-length, cache-control, connection, then the reply's own.
  const headers = ['content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(body)), 'cache-control', 'no-store'];
  if (close) headers.push('connection', 'close');
  if (reply.headers) for (const name in reply.headers) if (name !== 'connection') headers.push(name, reply.headers[name] as string);
  res.writeHead(reply.status, headers);
  res.end(body);
}

function expectsContinue(req: IncomingMessage): boolean {
  return /^100-continue$/i.test(req.headers.expect ?? '');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}
