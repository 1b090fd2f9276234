import type { Lease, LeaseHolder } from '../store/contract.js';
import type { FieldIssue } from '../store/errors.js';
import { MAX_OWNERSHIP_LENGTH, MAX_RUN_LENGTH, checkTtl } from '../store/shared/leases.js';
import { isKeySecretShaped } from '../store/shared/secrets.js';
import { ApiError } from './api-error.js';
import type { RequestContext, Reply, Route } from './route-types.js';
import { iso } from './wire.js';

/** Taking, renewing and releasing a lease needs any permission that changes keys: a read-only key cannot hold one. */
const LEASE_PERMISSIONS = ['keys:create', 'keys:update', 'keys:revoke'] as const;
const LEASE_PATH = /^\/v1\/leases\/([^/]+)$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const MAX_HOST_LENGTH = 255;

export function wireLease(lease: Lease) {
  const { pid, host, startedAt, run } = lease.holder;
  return {
    id: lease.id,
    ownership: lease.ownership,
    holder: { pid, host, started_at: startedAt, ...(run !== undefined ? { run } : {}) },
    acquired_at: iso(lease.acquiredAt),
    expires_at: iso(lease.expiresAt),
  };
}

function invalid(issues: FieldIssue[]): ApiError {
  return new ApiError('unprocessable', `invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { fields: issues });
}

function objectBody(body: unknown, field = '(body)'): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid([{ field, message: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

function unknownFields(fields: Record<string, unknown>, known: readonly string[], prefix: string, issues: FieldIssue[]): void {
  for (const name of Object.keys(fields)) if (!known.includes(name)) issues.push({ field: `${prefix}${name}`, message: 'is not a known field' });
}

function text(value: unknown, field: string, max: number, issues: FieldIssue[]): string {
  if (typeof value !== 'string' || value === '' || value.length > max) issues.push({ field, message: `must be a string of 1 to ${max} characters` });
  else if (isKeySecretShaped(value)) issues.push({ field, message: 'looks like a keyplan secret; it is not stored in plain text' });
  return value as string;
}

function parseHolder(value: unknown, issues: FieldIssue[]): LeaseHolder {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({ field: 'holder', message: 'must be an object with pid, host and started_at' });
    return { pid: 0, host: '', startedAt: '' };
  }
  const holder = value as Record<string, unknown>;
  unknownFields(holder, ['pid', 'host', 'started_at', 'run'], 'holder.', issues);
  if (!Number.isSafeInteger(holder.pid) || (holder.pid as number) < 0) issues.push({ field: 'holder.pid', message: 'must be a non-negative integer' });
  const host = text(holder.host, 'holder.host', MAX_HOST_LENGTH, issues);
  const startedAt = holder.started_at;
  if (typeof startedAt !== 'string' || !DATE_TIME.test(startedAt) || Number.isNaN(Date.parse(startedAt))) {
    issues.push({ field: 'holder.started_at', message: 'must be an RFC 3339 date-time, such as 2026-12-07T03:00:00Z' });
  }
  const run = holder.run === undefined ? undefined : text(holder.run, 'holder.run', MAX_RUN_LENGTH, issues);
  return { pid: holder.pid as number, host, startedAt: startedAt as string, ...(run !== undefined ? { run } : {}) };
}

function parseTtl(value: unknown, issues: FieldIssue[]): number {
  if (typeof value !== 'number') checkTtl(Number.NaN, issues);
  else checkTtl(value, issues);
  return value as number;
}

function leaseId(context: RequestContext): string {
  try {
    return decodeURIComponent(context.params[0] ?? '');
  } catch {
    throw new ApiError('bad_request', 'the lease id in the path is not valid percent-encoding');
  }
}

function noSuchLease(): ApiError {
  return new ApiError('not_found', 'no such lease: it expired or was released (its holder no longer holds it)');
}

async function acquire(context: RequestContext): Promise<Reply> {
  const body = objectBody(context.json());
  const issues: FieldIssue[] = [];
  unknownFields(body, ['ownership', 'holder', 'ttl_seconds'], '', issues);
  const ownership = text(body.ownership, 'ownership', MAX_OWNERSHIP_LENGTH, issues);
  const holder = parseHolder(body.holder, issues);
  const ttlSeconds = parseTtl(body.ttl_seconds, issues);
  if (issues.length > 0) throw invalid(issues);
  const attempt = await context.store.acquireLease({ ownership, holder, ttlSeconds, actor: context.caller.actor });
  if (!attempt.acquired) {
    const held = wireLease(attempt.held);
    throw new ApiError('conflict', `the apply lease of ${JSON.stringify(ownership)} is held by pid ${held.holder.pid} on ${held.holder.host} until ${held.expires_at}`, {
      lease: held,
    });
  }
  return { status: 201, body: wireLease(attempt.lease), headers: { location: `/v1/leases/${attempt.lease.id}` } };
}

async function renew(context: RequestContext): Promise<Reply> {
  const body = objectBody(context.json());
  const issues: FieldIssue[] = [];
  unknownFields(body, ['ttl_seconds'], '', issues);
  const ttlSeconds = parseTtl(body.ttl_seconds, issues);
  if (issues.length > 0) throw invalid(issues);
  const lease = await context.store.renewLease(leaseId(context), ttlSeconds);
  if (!lease) throw noSuchLease();
  return { status: 200, body: wireLease(lease) };
}

async function release(context: RequestContext): Promise<Reply> {
  const lease = await context.store.releaseLease(leaseId(context), { actor: context.caller.actor });
  if (!lease) throw noSuchLease();
  return { status: 204, body: undefined };
}

async function current(context: RequestContext): Promise<Reply> {
  const issues: FieldIssue[] = [];
  const ownership = text(context.query.get('ownership') ?? undefined, 'ownership', MAX_OWNERSHIP_LENGTH, issues);
  if (issues.length > 0) throw invalid(issues);
  const lease = await context.store.currentLease(ownership);
  return { status: 200, body: { lease: lease ? wireLease(lease) : null } };
}

export const leaseRoutes: Route[] = [
  { method: 'GET', template: '/v1/leases', pattern: /^\/v1\/leases$/, permission: LEASE_PERMISSIONS, handle: current },
  { method: 'POST', template: '/v1/leases', pattern: /^\/v1\/leases$/, permission: LEASE_PERMISSIONS, body: true, handle: acquire },
  { method: 'PUT', template: '/v1/leases/{id}', pattern: LEASE_PATH, permission: LEASE_PERMISSIONS, body: true, handle: renew },
  { method: 'DELETE', template: '/v1/leases/{id}', pattern: LEASE_PATH, permission: LEASE_PERMISSIONS, handle: release },
];
