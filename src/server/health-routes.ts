import type { RequestContext, Reply, Route } from './route-types.js';

/** Liveness: the process is up and answering; says nothing about the database. No authentication. */
function health(): Reply {
  return { status: 200, body: { status: 'ok' } };
}

/** Readiness: the database answers. A 503 (with Retry-After) takes the instance out of a load balancer's rotation. */
async function ready(context: RequestContext): Promise<Reply> {
  await context.store.ready();
  return { status: 200, body: { status: 'ready', store: context.store.kind } };
}

export const healthRoutes: Route[] = [
  { method: 'GET', template: '/v1/health', pattern: /^\/v1\/health$/, permission: null, public: true, handle: health },
  { method: 'GET', template: '/v1/ready', pattern: /^\/v1\/ready$/, permission: null, public: true, handle: ready },
];
