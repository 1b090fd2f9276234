import { ApiError } from './api-error.js';
import { requireGrantable } from './caller.js';
import { parseBooleanQuery, parseCreateBody, parseIfMatch, parsePage, parsePatchBody } from './request-validation.js';
import type { RequestContext, Reply, Route } from './route-types.js';
import { etagOf, wireKey } from './wire.js';
import type { StoreKey } from '../store/contract.js';

const KEY_PATH = /^\/v1\/keys\/([^/]+)$/;

function keyReply(key: StoreKey, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, body: wireKey(key), headers: { etag: etagOf(key), ...headers } };
}

const KEY_ID = /^key_[0-9A-Z]{26}$/;

/** The key id from the path; a 400 when its percent-encoding is malformed. */
function keyId(context: RequestContext): string {
  try {
    return decodeURIComponent(context.params[0] ?? '');
  } catch {
    throw new ApiError('bad_request', 'the key id in the path is not valid percent-encoding');
  }
}

/** A key id fit for a log line or a message: only ever the id shape, never whatever else was sent. */
export function loggableKeyId(param: string | undefined): string | undefined {
  return param !== undefined && KEY_ID.test(param) ? param : undefined;
}

async function listKeys(context: RequestContext): Promise<Reply> {
  const page = parsePage(context.query);
  const includeRevoked = parseBooleanQuery(context.query, 'include_revoked');
  const { keys, nextCursor } = await context.store.listKeys({ ...page, includeRevoked });
  return { status: 200, body: { keys: keys.map(wireKey), next_cursor: nextCursor } };
}

async function createKey(context: RequestContext): Promise<Reply> {
  const knownRoles = new Set(context.store.roleCatalog().keys());
  const input = parseCreateBody(context.json(), knownRoles);
  requireGrantable(context.caller, input.roles, context.store);
  const sent = context.headerValues('idempotency-key');
  if (sent && sent.length > 1) throw new ApiError('bad_request', 'send one Idempotency-Key header, not several');
  const idempotencyKey = sent?.[0];
  const created = await context.store.createKey({
    ...input,
    idempotencyKey,
    actor: context.caller.actor,
    replayCredential: context.caller.credential.reveal(),
  });
  return {
    status: created.replayed ? 200 : 201,
    body: { key: wireKey(created.key), secret: created.secret.reveal() },
    headers: {
      etag: etagOf(created.key),
      location: `/v1/keys/${created.key.id}`,
      ...(created.replayed ? { 'idempotent-replayed': 'true' } : {}),
    },
  };
}

async function getKey(context: RequestContext): Promise<Reply> {
  const id = keyId(context);
  const key = await context.store.getKey(id);
  if (!key) throw new ApiError('not_found', loggableKeyId(id) ? `no key with id ${id}` : 'no key with that id');
  return keyReply(key);
}

async function updateKey(context: RequestContext): Promise<Reply> {
  const id = keyId(context);
  const ifMatch = parseIfMatch(context.headers['if-match']);
  const patch = parsePatchBody(context.json(), new Set(context.store.roleCatalog().keys()), context.store.capabilitiesConfig().editableFields);
  if (patch.roles) requireGrantable(context.caller, patch.roles, context.store);
  const key = await context.store.updateKey(id, patch, {
    actor: context.caller.actor,
    within: context.caller.permissions,
    ...(typeof ifMatch === 'number' ? { ifVersion: ifMatch } : {}),
  });
  return keyReply(key);
}

async function revokeKey(context: RequestContext): Promise<Reply> {
  return keyReply(await context.store.revokeKey(keyId(context), { actor: context.caller.actor, within: context.caller.permissions }));
}

export const keyRoutes: Route[] = [
  { method: 'GET', template: '/v1/keys', pattern: /^\/v1\/keys$/, permission: 'keys:read', handle: listKeys },
  { method: 'POST', template: '/v1/keys', pattern: /^\/v1\/keys$/, permission: 'keys:create', body: true, handle: createKey },
  { method: 'GET', template: '/v1/keys/{id}', pattern: KEY_PATH, permission: 'keys:read', handle: getKey },
  { method: 'PATCH', template: '/v1/keys/{id}', pattern: KEY_PATH, permission: 'keys:update', body: true, handle: updateKey },
  { method: 'DELETE', template: '/v1/keys/{id}', pattern: KEY_PATH, permission: 'keys:revoke', handle: revokeKey },
];
