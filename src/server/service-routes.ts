import { ApiError, rateLimited } from './api-error.js';
import { parsePage } from './request-validation.js';
import type { RequestContext, Reply, Route } from './route-types.js';
import { iso, wireCapabilities, wireEvent, wireKeySummary } from './wire.js';

function roles(context: RequestContext): Reply {
  return { status: 200, body: { roles: context.store.roles() } };
}

function capabilities(context: RequestContext): Reply {
  return { status: 200, body: wireCapabilities(context.store.capabilitiesConfig()) };
}

function whoami(context: RequestContext): Reply {
  const { caller } = context;
  return {
    status: 200,
    body: { key: caller.key ? wireKeySummary(caller.key) : null, bootstrap: caller.bootstrap, permissions: caller.permissions },
  };
}

async function verify(context: RequestContext): Promise<Reply> {
  const body = context.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('unprocessable', 'invalid request: the body must be a JSON object', { fields: [{ field: '(body)', message: 'must be a JSON object' }] });
  }
  const { key, permission } = body as { key?: unknown; permission?: unknown };
  const fields = [];
  if (typeof key !== 'string' || key === '') fields.push({ field: 'key', message: 'must be the presented key as a string' });
  if (permission !== undefined && typeof permission !== 'string') fields.push({ field: 'permission', message: 'must be a string' });
  if (fields.length > 0) throw new ApiError('unprocessable', `invalid request: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, { fields });
  const result = await context.store.verify(key as string, permission as string | undefined);
  if (!result.valid && result.reason !== 'missing_permission') {
    const wait = context.throttle.failedLookup(context.caller.actor);
    if (wait > 0) throw rateLimited(wait, 'too many failed key lookups by this key; try again later');
  }
  // Fields in this order: valid, reason, key, permissions (each but valid only when there is one).
  const answer: { valid: boolean; reason?: string; key?: ReturnType<typeof wireKeySummary>; permissions?: string[] } = { valid: result.valid };
  if (result.reason) answer.reason = result.reason;
  if (result.key) answer.key = wireKeySummary(result.key);
  if (result.permissions) answer.permissions = result.permissions;
  return { status: 200, body: answer };
}

async function sharedSecret(context: RequestContext): Promise<Reply> {
  const info = await context.store.sharedSecret();
  return {
    status: 200,
    body: info.exists
      ? { exists: true, prefix: info.prefix, created_at: iso(info.createdAt as number), rotated_at: iso(info.rotatedAt as number) }
      : { exists: false },
  };
}

async function rotateSharedSecret(context: RequestContext): Promise<Reply> {
  const rotated = await context.store.rotateSharedSecret({ actor: context.caller.actor });
  return { status: 200, body: { secret: rotated.secret.reveal(), prefix: rotated.prefix, rotated_at: iso(rotated.rotatedAt) } };
}

async function events(context: RequestContext): Promise<Reply> {
  const page = await context.store.listEvents(parsePage(context.query));
  return { status: 200, body: { events: page.events.map(wireEvent), next_cursor: page.nextCursor } };
}

export const serviceRoutes: Route[] = [
  { method: 'GET', template: '/v1/roles', pattern: /^\/v1\/roles$/, permission: 'roles:read', handle: roles },
  { method: 'GET', template: '/v1/capabilities', pattern: /^\/v1\/capabilities$/, permission: null, handle: capabilities },
  { method: 'GET', template: '/v1/whoami', pattern: /^\/v1\/whoami$/, permission: null, handle: whoami },
  { method: 'POST', template: '/v1/verify', pattern: /^\/v1\/verify$/, permission: 'keys:verify', body: true, handle: verify },
  { method: 'GET', template: '/v1/shared-secret', pattern: /^\/v1\/shared-secret$/, permission: 'shared-secret:read', handle: sharedSecret },
  { method: 'POST', template: '/v1/shared-secret/rotate', pattern: /^\/v1\/shared-secret\/rotate$/, permission: 'shared-secret:rotate', handle: rotateSharedSecret },
  { method: 'GET', template: '/v1/events', pattern: /^\/v1\/events$/, permission: 'events:read', handle: events },
];
