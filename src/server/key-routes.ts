import { ApiError } from './api-error.js';
import { redactSecrets } from './redact.js';
import { requireGrantable } from './caller.js';
import { parseBooleanQuery, parseCreateBody, parseIfMatch, parsePage, parsePatchBody } from './request-validation.js';
import type { RequestContext, Reply, Route } from './route-types.js';
import { etagOf, wireKey } from './wire.js';
import type { StoreKey } from '../store/key-store.js';

const KEY_PATH = /^\/v1\/keys\/([^/]+)$/;

function keyReply(key: StoreKey, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, body: wireKey(key), headers: { etag: etagOf(key), ...headers } };
}

function keyId(context: RequestContext): string {
  return decodeURIComponent(context.params[0] ?? '');
}

function listKeys(context: RequestContext): Reply {
  const page = parsePage(context.query);
  const includeRevoked = parseBooleanQuery(context.query, 'include_revoked');
  const { keys, nextCursor } = context.store.listKeys({ ...page, includeRevoked });
  return { status: 200, body: { keys: keys.map(wireKey), next_cursor: nextCursor } };
}

function createKey(context: RequestContext): Reply {
  const knownRoles = new Set(context.store.roleCatalog().keys());
  const input = parseCreateBody(context.json(), knownRoles);
  requireGrantable(context.caller, input.roles, context.store);
  const idempotencyKey = context.headers['idempotency-key'];
  if (Array.isArray(idempotencyKey)) throw new ApiError('bad_request', 'send one Idempotency-Key header');
  const created = context.store.createKey({ ...input, idempotencyKey, actor: context.caller.actor });
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

function getKey(context: RequestContext): Reply {
  const key = context.store.getKey(keyId(context));
  if (!key) throw new ApiError('not_found', `no key with id ${redactSecrets(keyId(context).slice(0, 200))}`);
  return keyReply(key);
}

function updateKey(context: RequestContext): Reply {
  const id = keyId(context);
  const ifMatch = parseIfMatch(context.headers['if-match']);
  const patch = parsePatchBody(context.json(), new Set(context.store.roleCatalog().keys()), context.store.capabilitiesConfig().editableFields);
  if (patch.roles) requireGrantable(context.caller, patch.roles, context.store);
  const key = context.store.updateKey(id, patch, {
    actor: context.caller.actor,
    ...(typeof ifMatch === 'number' ? { ifVersion: ifMatch } : {}),
  });
  return keyReply(key);
}

function revokeKey(context: RequestContext): Reply {
  return keyReply(context.store.revokeKey(keyId(context), { actor: context.caller.actor }));
}

export const keyRoutes: Route[] = [
  { method: 'GET', pattern: /^\/v1\/keys$/, permission: 'keys:read', handle: listKeys },
  { method: 'POST', pattern: /^\/v1\/keys$/, permission: 'keys:create', handle: createKey },
  { method: 'GET', pattern: KEY_PATH, permission: 'keys:read', handle: getKey },
  { method: 'PATCH', pattern: KEY_PATH, permission: 'keys:update', handle: updateKey },
  { method: 'DELETE', pattern: KEY_PATH, permission: 'keys:revoke', handle: revokeKey },
];
